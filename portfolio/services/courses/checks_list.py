"""The office's three queues of course evidence to check (completions reported with proof,
transcripts of recognised programs, courses typed before the catalogue) as admin lists: one
search (candidate, course or provider), a set filter and a sort shared by the three, each
queue paged on its own and downloadable. Shown together, each queue shows its first page;
the `queue` filter shows one of them, paged. Two queries a queue whatever the data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, String, cast, func, or_, select

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.listing import Choice, ListFilter, ListRequest, ListSpec
from portfolio.models import (
    AuditEvent,
    CompetencySet,
    Course,
    CourseCompletion,
    CourseVersion,
    Enrollment,
    EnrollmentSet,
    Framework,
    Provider,
    RecognitionAgreement,
    TranscriptProof,
    Upload,
    User,
)
from portfolio.services.courses import recognition, verification
from portfolio.services.listing import AnyRow, ListQuery

COMPLETIONS, TRANSCRIPTS, TYPED = "completions", "transcripts", "typed"
QUEUES = (
    Choice(COMPLETIONS, "Completions reported with proof"),
    Choice(TRANSCRIPTS, "Transcripts of recognised programs"),
    Choice(TYPED, "Courses typed before the catalogue"),
)


def checks_list(set_codes: list[str]) -> ListSpec:
    return ListSpec(
        sorts=(Choice("waiting", "Waiting since"), Choice("candidate", "Candidate's name")),
        filters=(
            ListFilter("queue", "Queue", QUEUES),
            ListFilter("set", "Competency set", tuple(Choice(c, c) for c in set_codes)),
        ),
        default_order="asc",  # the longest waiting first
        search_label="Search by candidate, course or provider",
    )


def _searched(
    listed: Select[*tuple[Any, ...]], request: ListRequest, *texts: Any
) -> Select[*tuple[Any, ...]]:
    if request.search:
        listed = listed.where(
            or_(
                User.name.icontains(request.search, autoescape=True),
                User.email.icontains(request.search, autoescape=True),
                *(text.icontains(request.search, autoescape=True) for text in texts),
            )
        )
    if "set" in request.filters:
        listed = listed.where(CompetencySet.code == request.filters["set"])
    return listed


def _rows(kind: Any) -> Any:
    def to_rows(rows: Sequence[AnyRow]) -> list[Any]:
        return [kind(*tuple(row)) for row in rows]

    return to_rows


def completions_query(request: ListRequest) -> ListQuery[verification.CompletionRow]:
    """Completions candidates reported with proof (catalogue courses)."""
    listed = (
        select(
            CourseCompletion.id,
            CourseCompletion.version,
            User.name,
            CompetencySet.code,
            CompetencySet.name,
            CourseVersion.title,
            Provider.name,
            Provider.slug,
            CourseVersion.approved_on,
            CourseVersion.approved_until,
            CourseCompletion.completed_on,
            CourseCompletion.reported_at,
            CourseCompletion.proof_upload_id,
            func.coalesce(Upload.original_name, ""),
            User.id,
            User.email,
        )
        .join(EnrollmentSet, EnrollmentSet.id == CourseCompletion.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .join(CourseVersion, CourseVersion.id == CourseCompletion.course_version_id)
        .join(Course, Course.id == CourseVersion.course_id)
        .join(Provider, Provider.id == Course.provider_id)
        .outerjoin(Upload, Upload.id == CourseCompletion.proof_upload_id)
        .where(*verification.completion_waiting())
    )
    listed = _searched(listed, request, CourseVersion.title, Provider.name)
    return ListQuery(
        listed,
        {"waiting": CourseCompletion.reported_at, "candidate": User.name},
        CourseCompletion.id,
        _rows(verification.CompletionRow),
    )


def transcripts_query(request: ListRequest) -> ListQuery[recognition.TranscriptRow]:
    """Transcripts of recognised programs of study, reported by their candidates."""
    listed = (
        select(
            TranscriptProof.id,
            TranscriptProof.version,
            User.name,
            CompetencySet.code,
            CompetencySet.name,
            RecognitionAgreement.college,
            RecognitionAgreement.program_name,
            RecognitionAgreement.valid_from,
            RecognitionAgreement.valid_until,
            TranscriptProof.graduated_on,
            TranscriptProof.reported_at,
            TranscriptProof.transcript_upload_id,
            func.coalesce(Upload.original_name, ""),
            User.id,
            User.email,
        )
        .join(EnrollmentSet, EnrollmentSet.id == TranscriptProof.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .join(RecognitionAgreement, RecognitionAgreement.id == TranscriptProof.agreement_id)
        .outerjoin(Upload, Upload.id == TranscriptProof.transcript_upload_id)
        .where(*recognition.transcript_waiting())
    )
    listed = _searched(
        listed, request, RecognitionAgreement.program_name, RecognitionAgreement.college
    )
    return ListQuery(
        listed,
        {"waiting": TranscriptProof.reported_at, "candidate": User.name},
        TranscriptProof.id,
        _rows(recognition.TranscriptRow),
    )


def typed_query(request: ListRequest) -> ListQuery[verification.CourseRow]:
    """Courses candidates typed and marked completed before the catalogue; when each was
    marked completed comes from the audit trail (the set's latest route change)."""
    marked = (
        select(func.max(AuditEvent.at))
        .where(
            AuditEvent.object_type == "enrollment_set",
            AuditEvent.object_id == cast(EnrollmentSet.id, String),
            AuditEvent.action == AuditAction.ENROLLMENT_ROUTE_CHOSEN,
        )
        .correlate(EnrollmentSet)
        .scalar_subquery()
    )
    listed = (
        select(
            EnrollmentSet.id,
            EnrollmentSet.version,
            User.name,
            Framework.name,
            CompetencySet.code,
            CompetencySet.name,
            EnrollmentSet.course_name,
            EnrollmentSet.course_provider,
            marked,
            User.id,
            User.email,
        )
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Framework, Framework.id == Enrollment.framework_id)
        .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
        .where(*verification.typed_waiting())
    )
    listed = _searched(listed, request, EnrollmentSet.course_name, EnrollmentSet.course_provider)
    return ListQuery(
        listed,
        {"waiting": marked, "candidate": User.name},
        EnrollmentSet.id,
        _rows(verification.CourseRow),
    )


QUERIES = {COMPLETIONS: completions_query, TRANSCRIPTS: transcripts_query, TYPED: typed_query}
