"""Renewal: a holder's continuing-education activities and their renewal applications."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.accounts import User
from portfolio.models.base import Base, str_enum, utcnow
from portfolio.models.decisions import Certificate
from portfolio.models.uploads import Upload


class RenewalStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waiting for the office
    PROOF_REQUESTED = "proof_requested"  # the office asked for proof of an activity
    APPROVED = "approved"  # the certificate was extended

    @property
    def label(self) -> str:
        return {
            "submitted": "with the program office",
            # Read as "the application is waiting for proof" on the holder's page.
            "proof_requested": "waiting for proof",
            "approved": "approved",
        }[self.value]


class ActivityReview(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    PROOF_REQUESTED = "proof_requested"

    @property
    def label(self) -> str:
        return {"pending": "not reviewed yet", "accepted": "accepted"}.get(
            self.value, "proof requested"
        )


class RenewalApplication(Base):
    """A holder's application to renew one certificate for the expiry it had when applying
    (`cycle_expires_on`): one per certificate and expiry, so two approvals extend it once."""

    __tablename__ = "renewal_application"
    __table_args__ = (UniqueConstraint("certificate_id", "cycle_expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    cycle_expires_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[RenewalStatus] = mapped_column(
        str_enum(RenewalStatus), default=RenewalStatus.SUBMITTED, index=True
    )
    fee_cents: Mapped[int] = mapped_column(default=0)  # as the rules said when applying
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    new_expires_on: Mapped[date | None]
    # Why it was approved (hours, which activities, which rule), as recorded in the audit trail.
    decision_reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    certificate: Mapped[Certificate] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    activities: Mapped[list[CeActivity]] = relationship(
        back_populates="renewal", order_by="CeActivity.done_on"
    )


class CeActivity(Base):
    """One continuing-education activity in a holder's log, in its own unit (hundredths, so
    1.5 credits is 150); its contact hours follow from the program's conversions."""

    __tablename__ = "ce_activity"
    __table_args__ = (CheckConstraint("amount_hundredths > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Set when the activity is part of a renewal application; then it no longer changes.
    renewal_id: Mapped[int | None] = mapped_column(
        ForeignKey("renewal_application.id"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    done_on: Mapped[date]
    unit: Mapped[str] = mapped_column(String(40))
    amount_hundredths: Mapped[int]
    on_technology: Mapped[bool] = mapped_column(default=False)
    proof_upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"), index=True)
    review: Mapped[ActivityReview] = mapped_column(
        str_enum(ActivityReview), default=ActivityReview.PENDING
    )
    review_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    renewal: Mapped[RenewalApplication | None] = relationship(back_populates="activities")
    proof: Mapped[Upload | None] = relationship()
