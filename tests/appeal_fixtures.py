"""Appeal scenarios built straight in the database: a candidate whose set was decided not yet
met by two reviewers (of four qualified), an administrator and a committee member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import (
    Appeal,
    Assignment,
    CertificationDecision,
    DecisionStatus,
    OutcomeStatus,
    Role,
    SetOutcomeRecord,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import make_user
from tests.review_fixtures import World, make_world, submit

GROUNDS = (
    "The second review was submitted after the published due date and its comments refer to "
    "evidence that is not in my portfolio, so the procedure was not followed."
)


@dataclass
class AppealWorld:
    world: World
    outcome: SetOutcomeRecord
    first_reviewers: list[User]
    admin: User
    member: User

    @property
    def candidate(self) -> User:
        return self.world.candidate

    @property
    def submission_id(self) -> int:
        return self.world.submission.id


def decided_not_met(session: Session, *, days_ago: int = 0) -> AppealWorld:
    """The CORE set decided not yet met `days_ago` days ago; two more reviewers stand by."""
    world = make_world(session, reviewers=4)
    assignments.assign_for_submission(session, world.submission, clock.today())
    pair = session.scalars(
        select(Assignment)
        .where(Assignment.submission_id == world.submission.id)
        .order_by(Assignment.id)
    ).all()
    for assignment in pair:
        submit(session, world, assignment, "partially_met")
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == world.submission.id)
    )
    assert outcome is not None and outcome.status is OutcomeStatus.NOT_YET_MET
    outcome.decided_at = utcnow() - timedelta(days=days_ago)
    admin = make_user(
        session, "office@example.org", name="Office Person", roles=(Role.ADMINISTRATOR,)
    )
    member = make_user(
        session, "member@example.org", name="Committee Member", roles=(Role.COMMITTEE,)
    )
    session.flush()
    return AppealWorld(world, outcome, [a.reviewer for a in pair], admin, member)


def not_certified(session: Session, appeal_world: AppealWorld, *, days_ago: int = 0):
    """A "not certified" decision on the candidate's enrollment, `days_ago` days ago."""
    decision = CertificationDecision(
        enrollment_id=appeal_world.world.enrollment.id,
        status=DecisionStatus.NOT_CERTIFIED,
        reasons={"summary": "The completion window ended.", "reasons": []},
        decided_at=utcnow() - timedelta(days=days_ago),
    )
    session.add(decision)
    session.flush()
    return decision


def only_appeal(session: Session) -> Appeal:
    (appeal,) = session.scalars(select(Appeal)).all()
    return appeal
