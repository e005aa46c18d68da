"""Submitting a set: the checks, the frozen snapshot reviewers see, and the status change.

A snapshot is a plain JSON document (learning statement, and per competency its narrative and
artifacts with the verified file's key, SHA-256, size and type) with the SHA-256 of its
canonical bytes. Nothing ever updates it; later edits change only the live draft.

Two submits at once make one snapshot: the set's row is locked (SELECT ... FOR UPDATE on
PostgreSQL), and on any backend the loser meets the unique (set, attempt) constraint or the
set's version column, and gets a Conflict.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.lifecycle import (
    SetEvent,
    SetLifecycle,
    attempts_note,
    resubmission_refusal,
    transition,
    window_open,
)
from portfolio.domain.portfolios.evidence import (
    ALREADY_SUBMITTED,
    WAITING_ON_REVIEW,
    missing_evidence,
)
from portfolio.domain.portfolios.narrative import RENDERER_VERSION, is_current
from portfolio.domain.portfolios.snapshot_html import (
    SnapshotHtml,
    build_snapshot_html,
    html_to_show,
)
from portfolio.domain.portfolios.snapshot_views import (
    ArtifactView,
    EntryView,
    FileView,
    SetView,
    Snapshot,
)
from portfolio.domain.portfolios.snapshots import (
    SNAPSHOT_FORMAT,
    build_snapshot,
    snapshot_sha256,
)
from portfolio.domain.programs.rules import rules_from_document
from portfolio.models import (
    Artifact,
    ArtifactKind,
    EnrollmentSet,
    EnrollmentStatus,
    Portfolio,
    Route,
    Submission,
    SubmissionStatus,
    Upload,
    UploadStatus,
    User,
)
from portfolio.services import audit
from portfolio.services.portfolios.entries import (
    ensure_portfolio,
    entries_by_competency,
    evidence_for_set,
    is_usable,
)


def submit_refusal(enrollment_set: EnrollmentSet, today: date) -> str | None:
    """Why this set cannot be sent now whatever its evidence, or None when it can."""
    enrollment = enrollment_set.enrollment
    if enrollment.status != EnrollmentStatus.ACTIVE:
        return f"Your enrollment is {enrollment.status.value}: nothing more can be submitted."
    if enrollment_set.route != Route.PORTFOLIO:
        return "This set is not on the portfolio route."
    status = enrollment_set.status
    if status in WAITING_ON_REVIEW:
        return ALREADY_SUBMITTED
    if status is SetLifecycle.NOT_YET_MET:
        allowed = rules_from_document(enrollment.framework.rules).review.resubmissions_allowed
        return resubmission_refusal(
            enrollment_set.resubmissions_used, allowed, enrollment.window_ends_on, today
        )
    if status in (SetLifecycle.MET, SetLifecycle.CLOSED_NOT_MET):
        return f"This set is {status.label}: there is nothing to submit."
    if not window_open(enrollment.window_ends_on, today):
        return f"Your completion window ended on {format_date(enrollment.window_ends_on)}."
    return None


def attempts_left(enrollment_set: EnrollmentSet) -> str:
    """What submitting this set now leaves, in words (domain.lifecycle.attempts_note)."""
    rules = rules_from_document(enrollment_set.enrollment.framework.rules)
    return attempts_note(
        enrollment_set.status,
        enrollment_set.resubmissions_used,
        rules.review.resubmissions_allowed,
    )


def submission_problems(portfolio: Portfolio | None, enrollment_set: EnrollmentSet) -> list[str]:
    """What the candidate must add before this set can be sent (empty when it is complete);
    None stands for a portfolio not made yet (nothing written)."""
    problems = []
    if portfolio is None or not portfolio.learning_statement.strip():
        problems.append("Write your learning statement (it is sent with every set).")
    problems.extend(missing_evidence(evidence_for_set(portfolio, enrollment_set)))
    return problems


def submit_set(
    session: Session, enrollment_set: EnrollmentSet, actor: User, today: date
) -> Submission:
    """Freeze the set's evidence into a new Submission and move the set's status on.

    Conflict (409) when the set cannot be submitted now (already submitted, outcome recorded,
    window closed, no resubmission left); InvalidInput (422) naming each missing piece.
    Calls services.reviewing.assignments.assign_for_submission when reviewing exists.
    """
    locked = _lock(session, enrollment_set.id)
    refusal = submit_refusal(locked, today)
    if refusal is not None:
        raise Conflict(refusal)
    current = locked.status
    event = SetEvent.RESUBMIT if current is SetLifecycle.NOT_YET_MET else SetEvent.SUBMIT
    portfolio = ensure_portfolio(session, locked.enrollment, fresh=True)
    problems = submission_problems(portfolio, locked)
    if problems:
        raise InvalidInput("Not ready to submit: " + "; ".join(problems) + ".", field="evidence")
    new_status = transition(current, event)

    attempt = next_attempt(session, locked)
    frozen = frozen_copy(portfolio, locked, attempt)
    document = build_snapshot(frozen)
    fingerprint = snapshot_sha256(document)
    submission = Submission(
        enrollment_set_id=locked.id,
        attempt=attempt,
        submitted_by_id=actor.id,
        snapshot=document,
        snapshot_sha256=fingerprint,
        snapshot_html=build_snapshot_html(frozen, fingerprint, _stored_html(portfolio)),
        snapshot_html_rendered_with=RENDERER_VERSION,
        provisional_codes=sorted(
            c.code for c in locked.competency_set.competencies if c.provisional
        ),
        status=SubmissionStatus.SUBMITTED,
    )
    try:
        with session.begin_nested():
            session.add(submission)
    except IntegrityError:
        raise Conflict(ALREADY_SUBMITTED) from None
    try:
        with session.begin_nested():
            locked.status = new_status
            if event is SetEvent.RESUBMIT:
                locked.resubmissions_used += 1
    except StaleDataError:
        raise Conflict(ALREADY_SUBMITTED) from None

    audit.record(
        session,
        actor=actor,
        action=AuditAction.SUBMISSION_CREATED,
        object_type="submission",
        object_id=submission.id,
        details={"enrollment_set_id": locked.id, "attempt": attempt, "sha256": fingerprint},
    )
    audit.record(
        session,
        actor=actor,
        action=AuditAction.SET_STATUS_CHANGED,
        object_type="enrollment_set",
        object_id=locked.id,
        details={"from": current.value, "to": new_status.value, "event": event.value},
    )
    _assign_reviewers(session, submission, today)
    return submission


def submitted_html(submission: Submission, snapshot: Snapshot) -> SnapshotHtml:
    """The HTML of the texts of `submission` (whose snapshot, read strictly, is `snapshot`):
    the HTML stored when it was submitted, without parsing Markdown."""
    return html_to_show(
        snapshot,
        submission.snapshot_sha256,
        submission.snapshot_html,
        submission.snapshot_html_rendered_with,
    )


def own_files(session: Session, owner: User, snapshot: Snapshot) -> dict[str, int]:
    """Object key -> upload id of the files a snapshot names that `owner` uploaded and may
    download (verified), in one query: what their own submission page links to."""
    keys = snapshot.file_keys()
    if not keys:
        return {}
    rows = session.execute(
        select(Upload.key, Upload.id).where(
            Upload.owner_id == owner.id,
            Upload.status == UploadStatus.VERIFIED,
            Upload.key.in_(keys),
        )
    )
    return {key: upload_id for key, upload_id in rows}  # noqa: C416 - rows are Row objects


def _stored_html(portfolio: Portfolio) -> dict[str, str]:
    """Text -> the HTML stored when it was saved, for the texts the current renderer made:
    submitting then parses no Markdown that was not changed by a renderer upgrade."""
    saved = [
        (
            portfolio.learning_statement,
            portfolio.learning_statement_html,
            portfolio.learning_statement_rendered_with,
        ),
        *((e.narrative, e.narrative_html, e.narrative_rendered_with) for e in portfolio.entries),
    ]
    return {text: html for text, html, made_with in saved if is_current(made_with)}


def next_attempt(session: Session, enrollment_set: EnrollmentSet) -> int:
    query = select(func.max(Submission.attempt)).where(
        Submission.enrollment_set_id == enrollment_set.id
    )
    return (session.scalar(query) or 0) + 1


def frozen_copy(portfolio: Portfolio, enrollment_set: EnrollmentSet, attempt: int) -> Snapshot:
    """The set's evidence as it stands: per competency in order, its narrative and its usable
    artifacts (links, and verified files), with the learning statement."""
    entries = entries_by_competency(portfolio)
    competencies = []
    for competency in enrollment_set.competency_set.competencies:
        entry = entries.get(competency.id)
        artifacts = [a for a in entry.artifacts if is_usable(a)] if entry is not None else []
        competencies.append(
            EntryView(
                code=competency.code,
                title=competency.title,
                narrative=entry.narrative if entry is not None else "",
                artifacts=tuple(_artifact_view(artifact) for artifact in artifacts),
            )
        )
    return Snapshot(
        format=SNAPSHOT_FORMAT,
        submitted_set=SetView(
            enrollment_set.competency_set.code, enrollment_set.competency_set.name
        ),
        attempt=attempt,
        learning_statement=portfolio.learning_statement,
        competencies=tuple(competencies),
    )


def submissions_by_set(session: Session, set_ids: list[int]) -> dict[int, list[Submission]]:
    """Each set's submissions, newest first, in one query."""
    found: dict[int, list[Submission]] = {set_id: [] for set_id in set_ids}
    if set_ids:
        query = (
            select(Submission)
            .where(Submission.enrollment_set_id.in_(set_ids))
            .order_by(Submission.attempt.desc())
        )
        for submission in session.scalars(query):
            found[submission.enrollment_set_id].append(submission)
    return found


def _artifact_view(artifact: Artifact) -> ArtifactView:
    if artifact.kind == ArtifactKind.LINK:
        return ArtifactView(
            id=artifact.id,
            kind=artifact.kind.value,
            caption=artifact.caption,
            description=artifact.description,
            url=artifact.url,
        )
    upload = artifact.upload
    assert upload is not None  # only usable (verified) artifacts get here
    return ArtifactView(
        id=artifact.id,
        kind=artifact.kind.value,
        caption=artifact.caption,
        description=artifact.description,
        file=FileView(
            key=upload.key,
            sha256=upload.fingerprint or upload.sha256 or upload.declared_sha256,
            size=upload.size if upload.size is not None else upload.declared_size,
            content_type=upload.content_type or "application/octet-stream",
            original_name=upload.original_name,
        ),
    )


def _lock(session: Session, enrollment_set_id: int) -> EnrollmentSet:
    """The set's row, re-read and locked until the transaction ends (PostgreSQL; SQLite has
    one writer at a time anyway)."""
    query = (
        select(EnrollmentSet)
        .where(EnrollmentSet.id == enrollment_set_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one()


def _assign_reviewers(session: Session, submission: Submission, today: date) -> None:
    # Imported here: reviewing builds on submissions, so a top-level import could become a cycle.
    from portfolio.services.reviewing.assignments import assign_for_submission

    assign_for_submission(session, submission, today)
