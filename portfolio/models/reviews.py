"""Reviewing: who may review what, assignments, ratings, and the combined outcome of a set."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.accounts import User
from portfolio.models.base import Base, str_enum, utcnow
from portfolio.models.frameworks import Competency
from portfolio.models.portfolios import Submission


class ReviewerProfile(Base):
    __tablename__ = "reviewer_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    capacity: Mapped[int] = mapped_column(default=3)
    library: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    calibrated_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    qualifications: Mapped[list[ReviewerQualification]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin"
    )
    unavailability: Mapped[list[ReviewerUnavailability]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", lazy="selectin"
    )


class ReviewerQualification(Base):
    """A set a reviewer may review, by program slug and set code (stable across versions)."""

    __tablename__ = "reviewer_qualification"
    __table_args__ = (UniqueConstraint("profile_id", "framework_slug", "set_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("reviewer_profile.id", ondelete="CASCADE"))
    framework_slug: Mapped[str] = mapped_column(String(60))
    set_code: Mapped[str] = mapped_column(String(30))

    profile: Mapped[ReviewerProfile] = relationship(back_populates="qualifications")


class ReviewerUnavailability(Base):
    __tablename__ = "reviewer_unavailability"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("reviewer_profile.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")

    profile: Mapped[ReviewerProfile] = relationship(back_populates="unavailability")


class ConflictOfInterest(Base):
    """A reviewer who must never review this candidate, declared by them or an administrator."""

    __tablename__ = "conflict_of_interest"
    __table_args__ = (UniqueConstraint("candidate_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssignmentKind(enum.StrEnum):
    REVIEW = "review"
    ADJUDICATION = "adjudication"
    CALIBRATION = "calibration"


class AssignmentStatus(enum.StrEnum):
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"
    DECLINED = "declined"
    REASSIGNED = "reassigned"


class Assignment(Base):
    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[AssignmentKind] = mapped_column(
        str_enum(AssignmentKind), default=AssignmentKind.REVIEW
    )
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus), default=AssignmentStatus.ASSIGNED, index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column(index=True)
    submitted_at: Mapped[datetime | None]
    closed_reason: Mapped[str] = mapped_column(Text, default="")
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    reminded_on: Mapped[date | None]
    # Each draft save stamps this, so it also bumps `version` (a second tab then gets a 409).
    last_saved_at: Mapped[datetime | None]
    # Set when an administrator moves the due date: that date is then a firm deadline.
    due_moved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    submission: Mapped[Submission] = relationship()
    reviewer: Mapped[User] = relationship()
    ratings: Mapped[list[ReviewRating]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class ReviewRating(Base):
    """One reviewer's rating of one competency (a draft until the assignment is submitted)."""

    __tablename__ = "rating"
    __table_args__ = (UniqueConstraint("assignment_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[int] = mapped_column(ForeignKey("competency.id"))
    level: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped[Assignment] = relationship(back_populates="ratings")
    competency: Mapped[Competency] = relationship()


class OutcomeStatus(enum.StrEnum):
    MET = "met"
    NOT_YET_MET = "not_yet_met"
    NEEDS_ADJUDICATION = "needs_adjudication"
    CLOSED_NOT_MET = "closed_not_met"


class SetOutcomeRecord(Base):
    """The combined result of a submission, with the reasons that led to it."""

    __tablename__ = "set_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), unique=True)
    status: Mapped[OutcomeStatus] = mapped_column(str_enum(OutcomeStatus))
    reasons: Mapped[dict[str, Any]]
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    # Counts the outcome's changes (settled, overridden, reopened). An administrator's form
    # carries the revision it showed, so a tab left open cannot undo a change it never saw.
    # A plain counter, not the ORM's version_id_col: reviews settling an outcome lock it first
    # and must not fail on a copy loaded before the lock.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    submission: Mapped[Submission] = relationship()


class ReviewShortfall(Base):
    """A submission still short of reviewers (or of a third reviewer), and why nobody fits.

    The reasons are those of the last attempt; administrators see them in the unassigned queue.
    The row goes away once the missing reviewers are assigned.
    """

    __tablename__ = "review_shortfall"
    __table_args__ = (UniqueConstraint("submission_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    kind: Mapped[AssignmentKind] = mapped_column(str_enum(AssignmentKind))
    missing: Mapped[int]
    reasons: Mapped[dict[str, Any]]  # {"reasons": [sentence, ...]}
    since: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()


class CalibrationAnchor(Base):
    """A past submission with agreed ratings that new reviewers score before real work."""

    __tablename__ = "calibration_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), unique=True)
    agreed_ratings: Mapped[dict[str, Any]]  # competency code -> rating level
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()
