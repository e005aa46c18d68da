"""Moving a set's status through domain.lifecycle as reviews happen, each move audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.lifecycle import SetEvent, SetLifecycle, transition
from portfolio.domain.programs.rules import ProgramRules, rules_from_document
from portfolio.models import EnrollmentSet, Submission, SubmissionStatus, User
from portfolio.services import audit


def rules_for(submission: Submission) -> ProgramRules:
    """The rules of the framework version the candidate enrolled under."""
    return rules_from_document(submission.enrollment_set.enrollment.framework.rules)


def move_set(
    session: Session,
    enrollment_set: EnrollmentSet,
    *events: SetEvent,
    actor: User | None,
    details: dict[str, Any] | None = None,
) -> SetLifecycle:
    """Apply `events` in order (Conflict if the lifecycle refuses one); audit the change."""
    before = enrollment_set.status
    status = before
    for event in events:
        status = transition(status, event)
    if status is not before:
        enrollment_set.status = status
        audit.record(
            session,
            actor=actor,
            action=AuditAction.SET_STATUS_CHANGED,
            object_type="enrollment_set",
            object_id=enrollment_set.id,
            details={
                "from": before.value,
                "to": status.value,
                "events": [e.value for e in events],
                **(details or {}),
            },
        )
    return status


def move_submission(
    session: Session, submission: Submission, status: SubmissionStatus, *, actor: User | None
) -> None:
    """Set the submission's own status (audited when it changes)."""
    if submission.status == status:
        return
    before = submission.status
    submission.status = status
    audit.record(
        session,
        actor=actor,
        action=AuditAction.SUBMISSION_STATUS_CHANGED,
        object_type="submission",
        object_id=submission.id,
        details={"from": str(before), "to": status.value},
    )
