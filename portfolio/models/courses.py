"""Course providers, their courses and approvals, course completions and recognition agreements.

A Course is a provider's course for one competency set, named by program slug and set code so it
keeps its identity across framework versions; what was approved is a CourseVersion, which never
changes once submitted (editing an approved course makes a new draft version). Files (syllabus,
résumés, completion proof, transcripts) are uploads, and only verified ones count.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.accounts import User
from portfolio.models.base import Base, str_enum, utcnow
from portfolio.models.enrollments import EnrollmentSet
from portfolio.models.frameworks import Competency, CompetencySet
from portfolio.models.uploads import Upload


class ProviderKind(enum.StrEnum):
    LIBRARY_SCHOOL = "library_school"
    COMMUNITY_COLLEGE = "community_college"
    STATE_LIBRARY = "state_library"
    STATE_ASSOCIATION = "state_association"
    REGIONAL_COOPERATIVE = "regional_cooperative"
    ASSOCIATION_DIVISION = "association_division"
    INDIVIDUAL_CONSULTANT = "individual_consultant"


class Provider(Base):
    """An organisation (or consultant) offering courses; people with the provider role act
    for it."""

    __tablename__ = "course_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Its public page's address (/providers/<slug>); chosen once, never changed.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[ProviderKind] = mapped_column(str_enum(ProviderKind, length=30))
    website: Mapped[str] = mapped_column(String(2000), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    members: Mapped[list[ProviderMember]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="ProviderMember.id"
    )
    courses: Mapped[list[Course]] = relationship(back_populates="provider", order_by="Course.id")


class ProviderMember(Base):
    """A person who acts for a provider (they also hold Role.PROVIDER)."""

    __tablename__ = "provider_member"
    __table_args__ = (UniqueConstraint("provider_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("course_provider.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    provider: Mapped[Provider] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class CourseFormat(enum.StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"


class CourseVersionStatus(enum.StrEnum):
    DRAFT = "draft"  # the provider may still change it
    SUBMITTED = "submitted"  # sent to the office with its fee owed; frozen from here on
    IN_REVIEW = "in_review"  # course evaluators assigned
    APPROVED = "approved"
    RETURNED = "returned"  # the office said why; the provider edits a new draft version
    EXPIRED = "expired"  # the approval term ended without renewal


class Course(Base):
    """A provider's course for one competency set of a program: the identity its versions share.

    The set is named by program slug and set code (as reviewer qualifications are), so a course
    stays the same course when a new framework version is published."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("course_provider.id"), index=True)
    framework_slug: Mapped[str] = mapped_column(String(60))
    set_code: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    provider: Mapped[Provider] = relationship(back_populates="courses")
    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", order_by="CourseVersion.number"
    )


class CourseVersion(Base):
    """One version of a course as it was applied for. Only a draft is ever edited."""

    __tablename__ = "course_version"
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        CheckConstraint(
            "approved_until IS NULL OR approved_on IS NULL OR approved_until > approved_on",
            name="approval_term_forward",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    number: Mapped[int]  # 1, 2, ... within the course
    # The set (of one framework version) whose competencies the map below covers.
    set_id: Mapped[int] = mapped_column(ForeignKey("competency_set.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[CourseFormat] = mapped_column(str_enum(CourseFormat))
    synchronous: Mapped[bool] = mapped_column(default=False)
    syllabus_upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    resumes_upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    instructional_methods: Mapped[str] = mapped_column(Text, default="")
    assessment_methods: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CourseVersionStatus] = mapped_column(
        str_enum(CourseVersionStatus), default=CourseVersionStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The approval period (program rules: courses.approval_years); a renewal moves
    # approved_until on by another term, never the version's content.
    approved_on: Mapped[date | None]
    approved_until: Mapped[date | None] = mapped_column(index=True)
    renewal_requested_at: Mapped[datetime | None]
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    course: Mapped[Course] = relationship(back_populates="versions")
    competency_set: Mapped[CompetencySet] = relationship()
    syllabus: Mapped[Upload | None] = relationship(foreign_keys=[syllabus_upload_id])
    resumes: Mapped[Upload | None] = relationship(foreign_keys=[resumes_upload_id])
    competency_map: Mapped[list[CourseCompetencyMap]] = relationship(
        back_populates="course_version", cascade="all, delete-orphan"
    )
    evaluations: Mapped[list[CourseEvaluation]] = relationship(
        back_populates="course_version", order_by="CourseEvaluation.id"
    )

    @property
    def is_editable(self) -> bool:
        return self.status == CourseVersionStatus.DRAFT


class CourseCompetencyMap(Base):
    """How a course version teaches and checks one competency of its set."""

    __tablename__ = "course_competency_map"
    __table_args__ = (UniqueConstraint("course_version_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_version.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[int] = mapped_column(ForeignKey("competency.id"))
    readings: Mapped[str] = mapped_column(Text, default="")
    assignments: Mapped[str] = mapped_column(Text, default="")
    assessments: Mapped[str] = mapped_column(Text, default="")

    course_version: Mapped[CourseVersion] = relationship(back_populates="competency_map")
    competency: Mapped[Competency] = relationship()


class CourseEvaluationStatus(enum.StrEnum):
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"  # the office took it back (the version was decided without it)


class CourseEvaluation(Base):
    """A course evaluator's judgement of a course version against the course-approval rubric."""

    __tablename__ = "course_evaluation"
    __table_args__ = (UniqueConstraint("course_version_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[CourseEvaluationStatus] = mapped_column(
        str_enum(CourseEvaluationStatus), default=CourseEvaluationStatus.ASSIGNED, index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Rubric criterion key -> level key (program rules: courses.rubric).
    ratings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    course_version: Mapped[CourseVersion] = relationship(back_populates="evaluations")
    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])


class CourseFeePurpose(enum.StrEnum):
    APPROVAL = "approval"
    RENEWAL = "renewal"


class CourseFeeKind(enum.StrEnum):
    CHARGE = "charge"  # owed by the provider (recorded when they submit or ask for renewal)
    PAYMENT = "payment"  # money received
    REFUND = "refund"  # money given back
    WAIVER = "waiver"  # part of a charge the office decided not to collect


class CourseFee(Base):
    """An entry of a provider's fee ledger for course approvals and renewals.

    Integer cents, always positive (the kind says which way), like the candidates' ledger."""

    __tablename__ = "course_fee"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("course_provider.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"), index=True)
    purpose: Mapped[CourseFeePurpose] = mapped_column(str_enum(CourseFeePurpose))
    kind: Mapped[CourseFeeKind] = mapped_column(str_enum(CourseFeeKind))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    recorded_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompletionSource(enum.StrEnum):
    CANDIDATE_UPLOAD = "candidate_upload"  # the candidate's signed form or certificate
    PROVIDER_REPORT = "provider_report"  # the provider reported it (one by one or a roster)


class CompletionStatus(enum.StrEnum):
    REPORTED = "reported"  # waiting for the office (a candidate's proof)
    VERIFIED = "verified"  # counts: the office verified it, or the provider reported it
    RETURNED = "returned"  # the office said why it does not count


class RosterImport(Base):
    """One CSV roster a provider imported; the same file (by SHA-256) imports once only."""

    __tablename__ = "roster_import"
    __table_args__ = (UniqueConstraint("provider_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("course_provider.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    row_count: Mapped[int]
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship()


class CourseCompletion(Base):
    """A candidate's completion of an approved course version, claimed for one enrollment set."""

    __tablename__ = "course_completion"
    __table_args__ = (UniqueConstraint("roster_import_id", "enrollment_set_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_set_id: Mapped[int] = mapped_column(ForeignKey("enrollment_set.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"), index=True)
    completed_on: Mapped[date]
    source: Mapped[CompletionSource] = mapped_column(str_enum(CompletionSource))
    # The signed completion form or certificate; None for a provider's report.
    proof_upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    status: Mapped[CompletionStatus] = mapped_column(
        str_enum(CompletionStatus), default=CompletionStatus.REPORTED, index=True
    )
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verified_at: Mapped[datetime | None]
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    roster_import_id: Mapped[int | None] = mapped_column(ForeignKey("roster_import.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    enrollment_set: Mapped[EnrollmentSet] = relationship()
    course_version: Mapped[CourseVersion] = relationship()
    proof: Mapped[Upload | None] = relationship()
    roster_import: Mapped[RosterImport | None] = relationship()


recognition_agreement_set = Table(
    "recognition_agreement_set",
    Base.metadata,
    Column(
        "agreement_id",
        ForeignKey("recognition_agreement.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("set_id", ForeignKey("competency_set.id"), primary_key=True),
)


class RecognitionAgreement(Base):
    """A college program of study (e.g. Library Technical Assistant) whose graduates have
    shown the sets it covers (LSSCP.md, Recognition Agreement)."""

    __tablename__ = "recognition_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    college: Mapped[str] = mapped_column(String(200))
    # The college's provider record, when it is also a course provider.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("course_provider.id"), index=True)
    program_name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    provider: Mapped[Provider | None] = relationship()
    sets: Mapped[list[CompetencySet]] = relationship(
        secondary=recognition_agreement_set, order_by="CompetencySet.position"
    )


class TranscriptProof(Base):
    """A graduate's transcript proving one enrollment set through a recognition agreement
    (EnrollmentSet.route == recognised_program)."""

    __tablename__ = "transcript_proof"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_set_id: Mapped[int] = mapped_column(ForeignKey("enrollment_set.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("recognition_agreement.id"), index=True)
    transcript_upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    graduated_on: Mapped[date]
    status: Mapped[CompletionStatus] = mapped_column(
        str_enum(CompletionStatus), default=CompletionStatus.REPORTED, index=True
    )
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verified_at: Mapped[datetime | None]
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    enrollment_set: Mapped[EnrollmentSet] = relationship()
    agreement: Mapped[RecognitionAgreement] = relationship()
    transcript: Mapped[Upload | None] = relationship()
