"""Every service that takes a written reason refuses a blank, a too short and a too long one
with the same message (domain.reasons), and accepts a good one in the same state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reasons import REASON_MAX, REASON_MIN
from portfolio.models import (
    Application,
    ApplicationStatus,
    Assignment,
    DecisionStatus,
    OutcomeStatus,
    Role,
    SetOutcomeRecord,
)
from portfolio.models.base import utcnow
from portfolio.services.applications import decisions as application_decisions
from portfolio.services.certification import certificate_admin, overrides
from portfolio.services.courses import verification
from portfolio.services.reviewing import assignments, outcome_changes, profiles
from portfolio.web import clock
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_certificate_admin import certify
from tests.integration.test_course_checks import course_candidate
from tests.integration.test_decision_override import decision_for
from tests.review_fixtures import make_framework, make_world, needing_an_elective, submit

TODAY = clock.today()
GOOD = "Entered in error; confirmed with the program office."
REFUSED = [
    pytest.param("", "Give a reason.", id="empty"),
    pytest.param(" \n\t ", "Give a reason.", id="blank"),
    pytest.param(
        " " + "x" * (REASON_MIN - 1) + " ", "Say why in at least 5 characters.", id="short"
    ),
    pytest.param("x" * (REASON_MAX + 1), "Use at most 2,000 characters.", id="long"),
]

Act = Callable[[str], object]


def _admin(session: Session):
    return make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))


def _in_review(session: Session):
    world = make_world(session, reviewers=3)
    assignments.assign_for_submission(session, world.submission, TODAY)
    pair = session.scalars(
        select(Assignment)
        .where(Assignment.submission_id == world.submission.id)
        .order_by(Assignment.id)
    ).all()
    return world, pair


def _outcome(session: Session) -> SetOutcomeRecord:
    world, (first, second) = _in_review(session)
    needing_an_elective(session, world)  # so meeting the set decides nothing yet
    submit(session, world, first, "met")
    submit(session, world, second, "met")
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == world.submission.id)
    )
    assert outcome is not None
    return outcome


def decline(app: Flask, session: Session) -> Act:
    _world, (assignment, _) = _in_review(session)
    return lambda reason: assignments.decline(
        session, assignment, reviewer=assignment.reviewer, reason=reason, today=TODAY
    )


def reassign(app: Flask, session: Session) -> Act:
    _world, (assignment, _) = _in_review(session)
    admin = _admin(session)
    return lambda reason: assignments.reassign(
        session, assignment, actor=admin, reason=reason, today=TODAY
    )


def move_due_date(app: Flask, session: Session) -> Act:
    _world, (assignment, _) = _in_review(session)
    admin = _admin(session)
    later = assignment.due_on + timedelta(days=7)
    return lambda reason: assignments.move_due_date(
        session, assignment, actor=admin, due_on=later, reason=reason, today=TODAY
    )


def declare_conflict(app: Flask, session: Session) -> Act:
    world = make_world(session, reviewers=1)
    admin = _admin(session)
    return lambda reason: profiles.declare_conflict(
        session, actor=admin, candidate=world.candidate, reviewer=world.reviewers[0], reason=reason
    )


def override_outcome(app: Flask, session: Session) -> Act:
    outcome = _outcome(session)
    admin = _admin(session)
    return lambda reason: outcome_changes.override_outcome(
        session,
        outcome,
        actor=admin,
        status=OutcomeStatus.NOT_YET_MET,
        reason=reason,
        today=TODAY,
    )


def reopen_outcome(app: Flask, session: Session) -> Act:
    outcome = _outcome(session)
    admin = _admin(session)
    return lambda reason: outcome_changes.reopen_outcome(
        session, outcome, actor=admin, reason=reason, today=TODAY
    )


def revoke_certificate(app: Flask, session: Session) -> Act:
    admin = _admin(session)
    certificate = certify(session, make_framework(session), admin)
    return lambda reason: certificate_admin.revoke_certificate(
        session, certificate, actor=admin, reason=reason, now=utcnow()
    )


def revoke_with_its_decision(app: Flask, session: Session) -> Act:
    admin = _admin(session)
    certificate = certify(session, make_framework(session), admin)
    decision = decision_for(session, certificate)
    return lambda reason: overrides.revoke(
        session, certificate, decision, actor=admin, reason=reason, today=TODAY
    )


def override_decision(app: Flask, session: Session) -> Act:
    admin = _admin(session)
    decision = decision_for(session, certify(session, make_framework(session), admin))
    return lambda reason: overrides.override_decision(
        session,
        decision,
        actor=admin,
        status=DecisionStatus.NOT_CERTIFIED,
        reason=reason,
        today=TODAY,
    )


def return_course(app: Flask, session: Session) -> Act:
    admin = _admin(session)
    item = course_candidate(session, make_framework(session))
    return lambda reason: verification.return_course(session, item, actor=admin, reason=reason)


def _submitted_application(session: Session) -> Application:
    framework = make_framework(session)
    candidate = make_user(session, "ann.applicant@example.org", roles=(Role.CANDIDATE,))
    application = Application(
        user_id=candidate.id,
        framework_id=framework.id,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=utcnow(),
    )
    session.add(application)
    session.flush()
    return application


def _decision_mail(app: Flask) -> application_decisions.DecisionMail:
    return application_decisions.DecisionMail(dashboard_url="http://localhost/me")


def approve_application(app: Flask, session: Session) -> Act:
    application, admin = _submitted_application(session), _admin(session)
    return lambda reason: application_decisions.approve_application(
        session,
        application,
        actor=admin,
        reason=reason,
        today=TODAY,
        mail=_decision_mail(app),
        unpaid_reason="The fee is settled outside this test.",
    )


def reject_application(app: Flask, session: Session) -> Act:
    application, admin = _submitted_application(session), _admin(session)
    return lambda reason: application_decisions.reject_application(
        session, application, actor=admin, reason=reason, mail=_decision_mail(app)
    )


SERVICES = [
    decline,
    reassign,
    move_due_date,
    declare_conflict,
    override_outcome,
    reopen_outcome,
    revoke_certificate,
    revoke_with_its_decision,
    override_decision,
    return_course,
    approve_application,
    reject_application,
]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.__name__)
@pytest.mark.parametrize(("reason", "message"), REFUSED)
def test_every_reason_is_refused_alike_and_a_good_one_then_goes_through(
    app, session, service, reason, message
):
    act = service(app, session)
    with pytest.raises(InvalidInput) as refused:
        act(reason)
    assert (refused.value.field, refused.value.message) == ("reason", message)
    act(GOOD)  # the same call in the same state, so it was the reason that was refused


def test_a_reason_form_refuses_a_short_reason_with_the_same_message_and_bounds(client, session):
    _world, (assignment, _) = _in_review(session)
    session.commit()
    login_as(client, assignment.reviewer)
    url = f"/review/assignments/{assignment.id}/decline"
    page = client.get(url).get_data(as_text=True)
    assert f'maxlength="{REASON_MAX}"' in page and f'minlength="{REASON_MIN}"' in page
    refused = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": " Busy "})
    assert refused.status_code == 422
    assert "Say why in at least 5 characters." in refused.get_data(as_text=True)
    session.refresh(assignment)
    assert assignment.closed_reason == ""
