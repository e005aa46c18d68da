"""Recognition agreements: a college program of study whose graduates have shown the sets it
covers. The office records an agreement; a graduate hands in their transcript for a set the
agreement covers (route recognised_program), and the set is met once the office verifies it.

The enrollment set's course_status carries the transcript's standing (completed: handed in,
verified: counts), as it does a course's, so every screen reads one field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.enrollment.routes import route_refusal
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.ids import is_row_id
from portfolio.domain.notifications import Kind
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    CertificationDecision,
    CompetencySet,
    CompletionStatus,
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Framework,
    RecognitionAgreement,
    Route,
    TranscriptProof,
    UploadStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.certification import evaluation
from portfolio.services.courses.completions import UPLOAD_NOT_READY
from portfolio.services.courses.verification import CHANGED_SINCE_LOADED
from portfolio.services.links import page_url
from portfolio.services.notifications import notify
from portfolio.services.uploads.access import own_attachable_upload

TEXT_LIMIT = 200
NOTE_LIMIT = 2000


def _text(value: str, field: str, what: str, limit: int = TEXT_LIMIT) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"Enter {what}.", field=field)
    if len(text) > limit:
        raise InvalidInput(f"Use at most {limit} characters.", field=field)
    return text


def record_agreement(
    session: Session,
    framework: Framework,
    *,
    college: str,
    program_name: str,
    set_codes: list[str],
    valid_from: date | None,
    valid_until: date | None,
    note: str = "",
    actor: User,
) -> RecognitionAgreement:
    """The office records an agreement for sets of `framework` (audited). InvalidInput for a
    missing name, no set, a set not of the program, or dates out of order."""
    college = _text(college, "college", "the college's name")
    program_name = _text(program_name, "program_name", "the program of study's name")
    by_code = {s.code: s for s in framework.sets}
    codes = list(dict.fromkeys(code for code in set_codes[:50] if code))
    if not codes:
        raise InvalidInput("Choose at least one set the program covers.", field="sets")
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise InvalidInput("Choose sets of this program only.", field="sets")
    if valid_from is None:
        raise InvalidInput("Enter the date the agreement starts.", field="valid_from")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput("The agreement must end after it starts.", field="valid_until")
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(f"Use at most {NOTE_LIMIT:,} characters.", field="note")
    agreement = RecognitionAgreement(
        college=college,
        program_name=program_name,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note.strip(),
        created_by_id=actor.id,
    )
    agreement.sets = [by_code[code] for code in codes]
    session.add(agreement)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.RECOGNITION_AGREEMENT_RECORDED,
        object_type="recognition_agreement",
        object_id=agreement.id,
        details={
            "college": college,
            "program_name": program_name,
            "framework": framework.slug,
            "sets": codes,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return agreement


def agreements(session: Session, limit: int = 200) -> list[RecognitionAgreement]:
    return list(
        session.scalars(
            select(RecognitionAgreement)
            .options(selectinload(RecognitionAgreement.sets))  # one query for all their sets
            .order_by(RecognitionAgreement.college, RecognitionAgreement.id)
            .limit(limit)
        )
    )


def agreements_for_set(session: Session, item: EnrollmentSet) -> list[RecognitionAgreement]:
    """Agreements covering `item`'s set (by program and set code, across framework versions)."""
    framework = item.enrollment.framework
    return list(
        session.scalars(
            select(RecognitionAgreement)
            .join(RecognitionAgreement.sets)
            .join(Framework, Framework.id == CompetencySet.framework_id)
            .where(
                Framework.slug == framework.slug,
                CompetencySet.code == item.competency_set.code,
            )
            .order_by(RecognitionAgreement.college, RecognitionAgreement.id)
        ).unique()
    )


def report_transcript(
    session: Session,
    item: EnrollmentSet,
    *,
    agreement_id: object,
    graduated_on: date | None,
    upload_id: object,
    actor: User,
    today: date,
) -> TranscriptProof:
    """A graduate hands in their transcript for a set an agreement covers; the office then
    verifies it. InvalidInput for an agreement not covering the set, a graduation outside the
    agreement's validity, or a missing file; Conflict when the route cannot change."""
    enrollment = item.enrollment
    if enrollment.status is not EnrollmentStatus.ACTIVE or item.dropped_on is not None:
        raise Conflict("This set can no longer change.")
    covering = {a.id: a for a in agreements_for_set(session, item)}
    agreement = covering.get(agreement_id) if is_row_id(agreement_id) else None
    if agreement is None:
        raise InvalidInput(
            "Choose the recognised program you graduated from (one that covers this set).",
            field="agreement_id",
        )
    refusal = route_refusal(item.status, item.route.value, Route.COURSE.value)
    if refusal is not None:
        raise Conflict(refusal)
    if item.course_status in (CourseStatus.COMPLETED, CourseStatus.VERIFIED):
        raise Conflict("Proof for this set is already handed in.")
    if graduated_on is None:
        raise InvalidInput("Enter the date you graduated.", field="graduated_on")
    if graduated_on > today:
        raise InvalidInput("The graduation date is in the future.", field="graduated_on")
    if graduated_on < agreement.valid_from or (
        agreement.valid_until is not None and graduated_on > agreement.valid_until
    ):
        until = format_date(agreement.valid_until) if agreement.valid_until else "now"
        raise InvalidInput(
            f"The agreement covers graduates from {format_date(agreement.valid_from)} to {until}.",
            field="graduated_on",
        )
    upload = own_attachable_upload(session, upload_id, actor.id)
    if upload is None:
        raise InvalidInput("Upload your transcript first.", field="upload_id")
    if upload.status is not UploadStatus.VERIFIED:
        raise InvalidInput(UPLOAD_NOT_READY[upload.status], field="upload_id")
    proof = TranscriptProof(
        enrollment_set_id=item.id,
        agreement_id=agreement.id,
        transcript_upload_id=upload.id,
        graduated_on=graduated_on,
        reported_by_id=actor.id,
    )
    session.add(proof)
    item.route = Route.RECOGNISED_PROGRAM
    item.course_version_id = None
    item.course_name = agreement.program_name[:200]
    item.course_provider = agreement.college[:200]
    item.course_status = CourseStatus.COMPLETED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.TRANSCRIPT_REPORTED,
        object_type="transcript_proof",
        object_id=proof.id,
        details={"enrollment_set_id": item.id, "agreement_id": agreement.id},
    )
    return proof


@dataclass(frozen=True, slots=True)
class TranscriptRow:
    proof_id: int
    version: int
    candidate_name: str
    set_code: str
    set_name: str
    college: str
    program_name: str
    valid_from: date
    valid_until: date | None
    graduated_on: date
    reported_at: datetime
    upload_id: int | None
    upload_name: str
    candidate_id: int
    candidate_email: str


def transcript_waiting() -> tuple[ColumnElement[bool], ...]:
    return (
        TranscriptProof.status == CompletionStatus.REPORTED,
        EnrollmentSet.enrollment_id.in_(
            select(Enrollment.id).where(Enrollment.status == EnrollmentStatus.ACTIVE)
        ),
    )


def _require_reported(proof: TranscriptProof, expected_version: int | None) -> None:
    if proof.status is not CompletionStatus.REPORTED:
        raise Conflict(f"This transcript is already {proof.status.value}.")
    if expected_version is not None and expected_version != proof.version:
        raise Conflict(CHANGED_SINCE_LOADED)


def verify_transcript(
    session: Session,
    proof: TranscriptProof,
    *,
    actor: User,
    today: date,
    expected_version: int | None = None,
) -> CertificationDecision | None:
    _require_reported(proof, expected_version)
    item = proof.enrollment_set
    if evaluation.decision_of(session, item.enrollment) is not None:
        raise Conflict("The candidate's certification is already decided.")
    proof.status = CompletionStatus.VERIFIED
    proof.verified_by_id = actor.id
    proof.verified_at = utcnow()
    item.course_status = CourseStatus.VERIFIED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.TRANSCRIPT_VERIFIED,
        object_type="transcript_proof",
        object_id=proof.id,
        details={"enrollment_set_id": item.id, "agreement_id": proof.agreement_id},
    )
    return evaluation.evaluate_enrollment(session, item.enrollment, today, actor=actor)


def return_transcript(
    session: Session,
    proof: TranscriptProof,
    *,
    actor: User,
    reason: str,
    expected_version: int | None = None,
) -> None:
    _require_reported(proof, expected_version)
    item = proof.enrollment_set
    reason = written_reason(reason)
    proof.status = CompletionStatus.RETURNED
    proof.returned_reason = reason
    proof.verified_by_id = actor.id
    proof.verified_at = utcnow()
    item.course_status = CourseStatus.IN_PROGRESS
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.TRANSCRIPT_RETURNED,
        object_type="transcript_proof",
        object_id=proof.id,
        details={"enrollment_set_id": item.id, "reason": reason},
    )
    candidate = item.enrollment.user
    notify(
        session,
        user=candidate,
        kind=Kind.COURSE_RETURNED,
        link=f"/me/enrollment-sets/{item.id}/transcript",
        subject=f"Your transcript could not be verified: {item.competency_set.name}",
        body=(
            f"Hello {candidate.name},\n\nThe program office could not confirm your transcript "
            f"for {item.competency_set.name}. Their reason:\n\n{reason}\n\n"
            f"{page_url(f'/me/enrollment-sets/{item.id}/transcript') or 'Sign in to Portfolio.'}"
        ),
    )
