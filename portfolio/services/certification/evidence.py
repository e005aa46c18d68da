"""What met each set of an enrollment, in words, for the decision's reasons: the verified
course completion (course, provider, dates), the verified transcript of a recognised program, or
the portfolio submission whose review met it. Three queries, whatever the number of sets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.certification.evaluation import (
    course_evidence,
    portfolio_evidence,
    transcript_evidence,
)
from portfolio.models import (
    CompletionStatus,
    Course,
    CourseCompletion,
    CourseVersion,
    Enrollment,
    Provider,
    RecognitionAgreement,
    Submission,
    SubmissionStatus,
    TranscriptProof,
)


def evidence_of(session: Session, enrollment: Enrollment) -> dict[int, str]:
    """Enrollment set id -> the evidence that met it (only sets with such evidence)."""
    return evidence_for_sets(session, [item.id for item in enrollment.sets])


def evidence_for_sets(session: Session, ids: list[int]) -> dict[int, str]:
    """As evidence_of, for any enrollment sets at once (the batch evaluation's)."""
    if not ids:
        return {}
    found: dict[int, str] = {}
    completions = session.execute(
        select(
            CourseCompletion.enrollment_set_id,
            CourseVersion.title,
            Provider.name,
            CourseCompletion.completed_on,
            CourseCompletion.verified_at,
            CourseCompletion.reported_at,
        )
        .join(CourseVersion, CourseVersion.id == CourseCompletion.course_version_id)
        .join(Course, Course.id == CourseVersion.course_id)
        .join(Provider, Provider.id == Course.provider_id)
        .where(
            CourseCompletion.enrollment_set_id.in_(ids),
            CourseCompletion.status == CompletionStatus.VERIFIED,
        )
        .order_by(CourseCompletion.id)
    )
    for set_id, title, provider, completed_on, verified_at, reported_at in completions:
        verified_on = (verified_at or reported_at).date()
        found[set_id] = course_evidence(title, provider, completed_on, verified_on)
    transcripts = session.execute(
        select(
            TranscriptProof.enrollment_set_id,
            RecognitionAgreement.program_name,
            RecognitionAgreement.college,
            TranscriptProof.verified_at,
        )
        .join(RecognitionAgreement, RecognitionAgreement.id == TranscriptProof.agreement_id)
        .where(
            TranscriptProof.enrollment_set_id.in_(ids),
            TranscriptProof.status == CompletionStatus.VERIFIED,
        )
        .order_by(TranscriptProof.id)
    )
    for set_id, program, college, verified_at in transcripts:
        if verified_at is not None:
            found[set_id] = transcript_evidence(program, college, verified_at.date())
    submissions = session.execute(
        select(Submission.enrollment_set_id, Submission.attempt, Submission.submitted_at)
        .where(
            Submission.enrollment_set_id.in_(ids),
            Submission.status == SubmissionStatus.MET,
        )
        .order_by(Submission.attempt)
    )
    for set_id, attempt, submitted_at in submissions:
        found.setdefault(set_id, portfolio_evidence(attempt, submitted_at.date()))
    return found
