"""The program office's steps: answering the grounds (or stating it will not), and reconsidering
a certification decision the committee sent back."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from portfolio.domain.appeals.deadlines import committee_due
from portfolio.domain.appeals.grounds import appeal_answer
from portfolio.domain.appeals.stages import AppealSubject, advance
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict
from portfolio.domain.reasons import written_reason
from portfolio.models import Appeal, Role, User
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.appeals import emails
from portfolio.services.appeals.cases import case_of
from portfolio.services.certification import overrides

DECLINED = "The program office will not respond to this appeal."


def answer(
    session: Session,
    appeal: Appeal,
    *,
    actor: User,
    response: object,
    declines: bool,
    today: date,
) -> None:
    """Record the office's response to the grounds, or (`declines`) that it will not respond;
    the appeal then goes to the committee. Conflict (409) unless the grounds are filed and not
    yet answered; InvalidInput (422, field "response") for a missing or long response."""
    text = DECLINED if declines else appeal_answer(response, field="response", what="response")
    appeal.stage = advance(appeal.stage, "answer")
    appeal.office_response, appeal.office_declined = text, declines
    appeal.office_answered_at, appeal.office_answered_by_id = utcnow(), actor.id
    session.flush()
    case = case_of(appeal)
    assert case.rules is not None  # the appeal was filed under them
    due = committee_due(today, case.rules)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.APPEAL_OFFICE_ANSWERED,
        object_type="appeal",
        object_id=appeal.id,
        details={"declined": declines, "response": text, "committee_due": str(due)},
    )
    said = DECLINED if declines else "The program office has answered your grounds."
    emails.to_candidate(
        session,
        appeal,
        "answer",
        "The program office has answered your appeal",
        f"{said} Your appeal ({case.title}) now goes to the appeals committee, which rules by "
        f"{format_date(due)}. You may attend its meeting: the office will tell you when it is.",
    )
    emails.to_role(
        session,
        appeal,
        "answer",
        Role.COMMITTEE,
        "An appeal for the committee",
        f"An appeal is ready for the committee ({case.title}); rule on it by "
        f"{format_date(due)}. Members who reviewed or decided the case cannot hear it.",
    )


def reconsider(
    session: Session,
    appeal: Appeal,
    *,
    actor: User,
    change: bool,
    reason: object,
    today: date,
) -> None:
    """The office reconsiders a certification decision the committee sent back: it stands, or
    (`change`) it turns to the other status through the usual override (certificate issued or
    revoked, audited, emailed). Conflict (409) for any other appeal; InvalidInput (422, field
    "reason") for a missing or long reason."""
    if appeal.subject is not AppealSubject.CERTIFICATION or appeal.decision is None:
        raise Conflict("Only a certification decision sent back by the committee is reconsidered.")
    text = written_reason(reason if isinstance(reason, str) else "")
    appeal.stage = advance(appeal.stage, "reconsider")
    decision = appeal.decision
    if change:
        overrides.override_decision(
            session,
            decision,
            actor=actor,
            status=overrides.other_status(decision.status),
            reason=text,
            today=today,
        )
    appeal.reconsideration, appeal.reconsidered_at = text, utcnow()
    appeal.reconsidered_by_id = actor.id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.APPEAL_RECONSIDERED,
        object_type="appeal",
        object_id=appeal.id,
        details={"changed": change, "status": decision.status.value, "reason": text},
    )
    outcome = (
        f"The decision is now: {decision.status.label}."
        if change
        else f"The decision stands: {decision.status.label}."
    )
    emails.to_candidate(
        session,
        appeal,
        "reconsidered",
        "The program office has reconsidered its decision",
        f"With the appeals committee's comments, the program office has reconsidered the "
        f"decision you appealed. {outcome}\n\nIts reasons:\n{text}",
    )
