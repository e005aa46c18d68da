"""Notifications in the app and each person's email choices (services.notifications)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.domain.notifications import Delivery, Kind
from portfolio.models.base import Base, UTCDateTime, str_enum, utcnow


class Notification(Base):
    """One thing a person was told: shown in their list, and emailed as their choice says."""

    __tablename__ = "notification"
    __table_args__ = (
        # The header's unread count, and the list, newest first.
        Index(None, "user_id", "read_at"),
        # The daily digest looks for what is waiting for it.
        Index(None, "delivery", "digested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, 40))
    title: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")  # a path of this app, or ""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How its email went when it was made: at once, waiting for the digest, or none.
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery))
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The event it reports (as the outbox's key): the same event is told once.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class NotificationPreference(Base):
    """A person's choice for one kind; no row means the default (Delivery.IMMEDIATE)."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, 40))
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
