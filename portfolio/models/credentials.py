"""Signed Open Badges 3.0 credentials of certificates, and the signed revocation status list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow
from portfolio.models.decisions import Certificate


class IssuedCredential(Base):
    """One signed OpenBadgeCredential of a certificate, kept exactly as it was signed (its
    `document` is the JSON served). A certificate may get a newer one later (a renewal);
    the newest is the one handed out."""

    __tablename__ = "issued_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random: the credential's URL (its `id`) cannot be walked.
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    document: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    certificate: Mapped[Certificate] = relationship()


class StatusListCredential(Base):
    """The signed BitstringStatusListCredential (revocation), recomputed whenever a
    certificate is revoked or reinstated; `id` is the list's number in its URL."""

    __tablename__ = "status_list_credential"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    document: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
