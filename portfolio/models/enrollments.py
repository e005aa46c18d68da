"""Enrollment in a framework version, the sets a candidate takes, and the fee ledger."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.domain.certification.evaluation import Route
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models.accounts import User
from portfolio.models.base import Base, str_enum, utcnow
from portfolio.models.frameworks import CompetencySet, Framework


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    CERTIFIED = "certified"
    CLOSED = "closed"


class CourseStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    VERIFIED = "verified"


class Enrollment(Base):
    __tablename__ = "enrollment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Candidates stay on the version they enrolled under, even after a newer one is published.
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    status: Mapped[EnrollmentStatus] = mapped_column(
        str_enum(EnrollmentStatus), default=EnrollmentStatus.ACTIVE
    )
    enrolled_on: Mapped[date]
    window_ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    framework: Mapped[Framework] = relationship()
    # The sets taken now: an elective swapped out after its portfolio closed as not met stays
    # on record (its submissions point at it) with dropped_on set, and is left out here.
    sets: Mapped[list[EnrollmentSet]] = relationship(
        back_populates="enrollment",
        cascade="all, delete-orphan",
        order_by="EnrollmentSet.id",
        primaryjoin="and_(Enrollment.id == EnrollmentSet.enrollment_id, "
        "EnrollmentSet.dropped_on.is_(None))",
    )


class EnrollmentSet(Base):
    """A competency set the candidate takes: required, or an elective they chose."""

    __tablename__ = "enrollment_set"
    __table_args__ = (UniqueConstraint("enrollment_id", "set_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), index=True
    )
    set_id: Mapped[int] = mapped_column(ForeignKey("competency_set.id"))
    route: Mapped[Route] = mapped_column(str_enum(Route), default=Route.UNDECIDED)
    # Lifecycle status (domain.lifecycle); only the domain decides how it moves.
    status: Mapped[SetLifecycle] = mapped_column(
        str_enum(SetLifecycle, length=30), default=SetLifecycle.NOT_STARTED
    )
    course_name: Mapped[str] = mapped_column(String(200), default="")
    course_provider: Mapped[str] = mapped_column(String(200), default="")
    course_status: Mapped[CourseStatus | None] = mapped_column(
        str_enum(CourseStatus), nullable=True
    )
    # The approved course chosen from the catalogue; course_name and course_provider stay for
    # claims typed as free text before there was a catalogue.
    course_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_version.id"), index=True
    )
    resubmissions_used: Mapped[int] = mapped_column(default=0)
    # An elective swapped for another after it closed as not met (domain.enrollment.electives).
    dropped_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    enrollment: Mapped[Enrollment] = relationship(back_populates="sets")
    competency_set: Mapped[CompetencySet] = relationship()


class LedgerKind(enum.StrEnum):
    PAYMENT = "payment"  # money received
    REFUND = "refund"  # money given back (never more than was received)
    WAIVER = "waiver"  # part of the fee the office decided not to charge


class Payment(Base):
    """An entry of an application's fee ledger: money received, refunded, or a fee waived.
    Integer cents, always positive (the kind says which way); never card data."""

    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind), default=LedgerKind.PAYMENT)
    amount_cents: Mapped[int]
    method: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100), default="")
    received_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Who paid, when not the candidate (a sponsoring supervisor); None: the candidate.
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")  # why a refund or waiver
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A renewal's fee (models.renewal) rather than the application's; the application's own
    # ledger leaves these out.
    renewal_id: Mapped[int | None] = mapped_column(
        ForeignKey("renewal_application.id"), index=True
    )


class ScholarshipAward(Base):
    __tablename__ = "scholarship_award"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    scholarship_key: Mapped[str] = mapped_column(String(60))
    amount_cents: Mapped[int]
    awarded_on: Mapped[date]
    awarded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    awarding_body: Mapped[str] = mapped_column(String(60), default="")  # as the rules said
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("scholarship_pool.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScholarshipPool(Base):
    """Money given for one scholarship of a program (a gift), from which awards are drawn.

    The CHECK keeps what was awarded within the gift whatever the code does: two awards at once
    cannot overspend it (the second UPDATE fails, or waits on the row lock and then fails)."""

    __tablename__ = "scholarship_pool"
    __table_args__ = (
        CheckConstraint("total_cents > 0", name="positive_total"),
        CheckConstraint("awarded_cents >= 0 AND awarded_cents <= total_cents", name="within_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_slug: Mapped[str] = mapped_column(String(60), index=True)
    scholarship_key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    total_cents: Mapped[int]
    awarded_cents: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def remaining_cents(self) -> int:
        return self.total_cents - self.awarded_cents


class SupervisorLink(Base):
    """A supervisor invited by a candidate; accepted links let them follow progress."""

    __tablename__ = "supervisor_link"
    __table_args__ = (UniqueConstraint("candidate_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    shares_evidence: Mapped[bool] = mapped_column(default=False)


class StaffInvitation(Base):
    """A supervisor's invitation to a member of staff to apply; accepting it links them.

    Renewing (or resending) bumps `generation` and the links of earlier emails stop working."""

    __tablename__ = "staff_invitation"
    __table_args__ = (UniqueConstraint("supervisor_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    program_slug: Mapped[str] = mapped_column(String(60), default="")
    generation: Mapped[int] = mapped_column(default=1)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
