"""People, their roles and what signs them in."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, str_enum, utcnow


class Role(enum.StrEnum):
    CANDIDATE = "candidate"
    REVIEWER = "reviewer"
    ADMINISTRATOR = "administrator"
    SUPERVISOR = "supervisor"
    PROVIDER = "provider"  # acts for a course provider (models.courses.ProviderMember)
    COMMITTEE = "committee"  # hears appeals (services.appeals)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None]
    # Bumped to end every other session of this user (sign-out, password change).
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="UserRole.user_id",
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The epoch makes the id (and remember cookies) stale once sessions are ended.
        return f"{self.id}:{self.session_epoch}"

    @property
    def role_names(self) -> set[Role]:
        return {grant.role for grant in self.roles}

    def has_role(self, role: Role) -> bool:
        return role in self.role_names

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class ApiToken(Base):
    """A personal access token for the JSON API. Only its SHA-256 is kept: the token itself
    is shown once, when it is made (services.accounts.api_tokens)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    shown_prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to tell apart
    scopes: Mapped[str] = mapped_column(String(300))  # space-separated Scope values
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()
