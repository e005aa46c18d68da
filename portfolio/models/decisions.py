"""Certification decisions and the certificates they issue."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.accounts import User
from portfolio.models.base import Base, str_enum, utcnow
from portfolio.models.enrollments import Enrollment
from portfolio.models.frameworks import Framework


class DecisionStatus(enum.StrEnum):
    CERTIFIED = "certified"
    NOT_CERTIFIED = "not_certified"

    @property
    def label(self) -> str:
        return "certified" if self is DecisionStatus.CERTIFIED else "not certified"


class CertificationDecision(Base):
    """The final decision on an enrollment, with its reasons (domain.certification.evaluation);
    its history is in the audit trail."""

    __tablename__ = "certification_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    status: Mapped[DecisionStatus] = mapped_column(str_enum(DecisionStatus))
    reasons: Mapped[dict[str, Any]]
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    override_reason: Mapped[str] = mapped_column(Text, default="")

    enrollment: Mapped[Enrollment] = relationship()


class Certificate(Base):
    """Proof of certification, checked by anyone on its public page by its number."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, so the public page cannot be walked: see services.certification.numbers.new_number.
    number: Mapped[str] = mapped_column(String(40), unique=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"))
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    # The only words about a revocation its public page shows (domain.certification.revocation).
    revoked_public_statement: Mapped[str] = mapped_column(Text, default="")
    # Its bit in the revocation status list (domain.certification.status_list), chosen once when
    # its first credential is issued; unique, so two certificates never share a bit.
    status_index: Mapped[int | None] = mapped_column(unique=True)
    # The day after its renewal grace period ended unrenewed (services.renewal.reminders): from
    # then on its status list bit is set and its public page says it lapsed.
    lapsed_on: Mapped[date | None]

    user: Mapped[User] = relationship()
    framework: Mapped[Framework] = relationship()
    enrollment: Mapped[Enrollment] = relationship()
