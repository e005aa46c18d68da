"""Applications to a program, with the experience that makes a person eligible."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.domain.applications.eligibility import EligibilityStatus
from portfolio.models.accounts import User
from portfolio.models.base import Base, str_enum, utcnow
from portfolio.models.frameworks import Framework


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class PaymentPlan(enum.StrEnum):
    FEE = "fee"
    SCHOLARSHIP = "scholarship"


class Application(Base):
    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The program applied to; approval enrolls in the version published at that time.
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"))
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), default=ApplicationStatus.DRAFT
    )
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    has_diploma: Mapped[bool | None]
    education_country: Mapped[str] = mapped_column(String(2), default="US")
    is_member: Mapped[bool] = mapped_column(default=False)
    member_number: Mapped[str] = mapped_column(String(40), default="")
    payment_plan: Mapped[PaymentPlan] = mapped_column(
        str_enum(PaymentPlan), default=PaymentPlan.FEE
    )
    scholarship_key: Mapped[str] = mapped_column(String(60), default="")
    # Membership of the chosen scholarship's awarding body (SSD for LSSCP): its own fact, apart
    # from is_member (the association's member price). A server default only, and not fetched
    # after an INSERT (eager_defaults below): rows written by code that predates the column (the
    # migration tests) leave it out.
    awarding_body_member: Mapped[bool] = mapped_column(server_default=false())
    supervisor_email: Mapped[str] = mapped_column(String(254), default="")
    # What the domain computed when the application was submitted, kept for the record.
    eligibility: Mapped[EligibilityStatus | None] = mapped_column(
        str_enum(EligibilityStatus), nullable=True
    )
    hours_counted: Mapped[int | None]
    # What the candidate last typed in the form, field by field, valid or not, so that saving a
    # draft never loses text; the columns above only ever hold values that passed the checks.
    form_input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": False}

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    framework: Mapped[Framework] = relationship()
    experience: Mapped[list[ExperienceRecord]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ExperienceRecord.position",
    )


class ExperienceRecord(Base):
    __tablename__ = "experience_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    library: Mapped[str] = mapped_column(String(200))
    library_type: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(200))
    paid: Mapped[bool] = mapped_column(default=True)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(5, 2))

    application: Mapped[Application] = relationship(back_populates="experience")
