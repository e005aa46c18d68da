"""The outbox: one row per email, written in the transaction of the change it reports.

services.outbox delivers the rows after the commit, retries them with backoff and shows the ones
that keep failing to administrators.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, UTCDateTime, str_enum, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENT = "sent"  # handed to the mail server
    FAILED = "failed"  # gave up after the last attempt; an administrator may retry it


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    # The delivery pass looks for pending rows that are due.
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same email is queued once: callers name the event (e.g. "application.approved:42").
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A delivery pass holds a row while it talks to the mail server: nobody else sends it until
    # claimed_until passes (a pass that died mid-send gives the row back that way).
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What it is about (domain.notifications.Kind), and the one-click address that turns its kind
    # off for its reader (RFC 8058 List-Unsubscribe); None for the kinds that are always sent.
    kind: Mapped[str] = mapped_column(String(40), default="")
    unsubscribe_url: Mapped[str | None] = mapped_column(Text)
