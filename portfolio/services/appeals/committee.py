"""The appeals committee's step: judging whether the published procedure was followed and the
decision fairly reached, then upholding it or sending it back with comments.

Nobody who reviewed or decided the case (or answered it for the office, or the candidate) may
hear it: they are refused with the reason (Forbidden, 403), on the page and on the ruling.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from portfolio.domain.appeals.committee import committee_refusal
from portfolio.domain.appeals.grounds import appeal_answer
from portfolio.domain.appeals.stages import AppealSubject, Ruling, advance
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Forbidden, InvalidInput
from portfolio.models import Appeal, Role, User
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.appeals import emails
from portfolio.services.appeals.cases import case_of, people_on_case
from portfolio.services.reviewing.appeal_reviews import review_again


def refusal_for(session: Session, appeal: Appeal, member: User) -> str | None:
    """Why `member` may not hear this appeal, or None when they may."""
    if not member.has_role(Role.COMMITTEE):
        return "Only members of the appeals committee can hear appeals."
    people = people_on_case(session, appeal)
    office = {appeal.office_answered_by_id, appeal.reconsidered_by_id} - {None}
    return committee_refusal(
        member.id,
        candidate_id=appeal.candidate_id,
        reviewer_ids=people.reviewer_ids,
        decider_ids=people.decider_ids,
        office_ids={i for i in office if i is not None},
    )


def require_may_hear(session: Session, appeal: Appeal, member: User) -> None:
    refusal = refusal_for(session, appeal, member)
    if refusal:
        raise Forbidden(refusal)


def parse_ruling(value: object) -> Ruling:
    try:
        return Ruling(str(value))
    except ValueError:
        raise InvalidInput(
            "Choose to uphold the decision or send it back.", field="ruling"
        ) from None


def rule(
    session: Session,
    appeal: Appeal,
    *,
    member: User,
    ruling: Ruling,
    comments: object,
    today: date,
) -> None:
    """Record the committee's ruling with its comments. Forbidden (403) for a member who may
    not hear the case; Conflict (409) unless the appeal waits for the committee; InvalidInput
    (422, field "comments") for missing or long comments.

    Sent back: a set is reviewed again by reviewers who never saw it; a certification decision
    goes back to the office to reconsider."""
    require_may_hear(session, appeal, member)
    text = appeal_answer(comments, field="comments", what="committee's comments")
    appeal.stage = advance(appeal.stage, ruling.value)
    appeal.ruling, appeal.ruling_comments = ruling.value, text
    appeal.ruled_at, appeal.ruled_by_id = utcnow(), member.id
    session.flush()
    case = case_of(appeal)
    upheld = ruling is Ruling.UPHOLD
    audit.record(
        session,
        actor=member,
        action=AuditAction.APPEAL_UPHELD if upheld else AuditAction.APPEAL_SENT_BACK,
        object_type="appeal",
        object_id=appeal.id,
        details={"comments": text},
    )
    if upheld:
        what = (
            "The appeals committee has upheld the decision you appealed: it found that the "
            "published procedure was followed and the decision fairly reached."
        )
    elif appeal.subject is AppealSubject.SET_OUTCOME:
        assert appeal.submission is not None
        review_again(session, appeal.submission, actor=member, comments=text, today=today)
        what = (
            "The appeals committee has sent the decision you appealed back. Your set will be "
            "reviewed again by reviewers who have not seen it; you will hear its new outcome."
        )
    else:
        what = (
            "The appeals committee has sent the decision you appealed back to the program "
            "office, which reconsiders it with the committee's comments."
        )
        emails.to_role(
            session,
            appeal,
            "sent_back",
            Role.ADMINISTRATOR,
            "An appeal sent back to the office",
            f"The appeals committee sent a decision back for reconsideration ({case.title}). "
            f"Its comments:\n{text}",
        )
    emails.to_candidate(
        session,
        appeal,
        "ruling",
        "The appeals committee has ruled on your appeal",
        f"{what}\n\n{case.title}.\n\nThe committee's comments:\n{text}",
    )
