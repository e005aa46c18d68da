"""Setting up a reviewer in one step: role, sets, capacity, organisation; calibration when an
anchor exists; and the submissions waiting for reviewers tried again at once."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.models import Assignment, ReviewShortfall, Role, User
from portfolio.services.audit import events_for
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_course_checks import text_of
from tests.review_fixtures import SLUG, make_world

URL = "/admin/reviews/reviewers/new"


def set_up(client, **values):
    data = {"csrf_token": csrf_token(client, URL), "capacity": "3", "library": "Oak Library"}
    data.update(values)
    return client.post(URL, data=data, follow_redirects=True)


def test_two_reviewers_set_up_take_the_waiting_submission(client, session):
    world = make_world(session, reviewers=0)
    assignments.assign_for_submission(session, world.submission, clock.today())
    assert session.scalar(select(ReviewShortfall.missing)) == 2
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    first = make_user(session, "rita@example.org", name="Rita Reader")
    second = make_user(session, "sam@example.org", name="Sam Scorer")
    session.commit()
    login_as(client, admin)
    qualification = f"{SLUG}:{world.core.code}"

    page = text_of(set_up(client, email="rita@example.org", qualifications=qualification))
    assert "Rita Reader is set up as a reviewer." in page
    assert "0 now have all their reviewers" in page
    page = text_of(set_up(client, email="SAM@example.org", qualifications=qualification))
    assert "1 now has all their reviewers" in page

    session.expire_all()
    reviewer_ids = set(session.scalars(select(Assignment.reviewer_id)))
    assert reviewer_ids == {first.id, second.id}
    assert session.scalar(select(ReviewShortfall.id)) is None
    rita = session.get(User, first.id)
    assert rita.has_role(Role.REVIEWER)
    actions = [event.action for event in events_for(session, "user", first.id)]
    assert "account.role_granted" in actions


def test_what_cannot_be_set_up_changes_nothing(client, session):
    world = make_world(session, reviewers=0)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    person = make_user(session, "rita@example.org", name="Rita Reader")
    session.commit()
    login_as(client, admin)
    qualification = f"{SLUG}:{world.core.code}"
    cases = [
        ({"email": "nobody@example.org", "qualifications": qualification}, "Nobody has an account"),
        ({"email": "rita@example.org"}, "Choose at least one set they may review."),
        ({"email": "rita@example.org", "qualifications": "x:NOPE"}, "Choose sets of a published"),
        ({"email": "rita@example.org", "qualifications": qualification, "capacity": "0"}, ""),
    ]
    for values, message in cases:
        response = set_up(client, **values)
        assert response.status_code == 422, values
        assert message in text_of(response)
    session.expire_all()
    assert not session.get(User, person.id).has_role(Role.REVIEWER)


def test_only_administrators_set_up_reviewers(client, session):
    login_as(client, make_user(session, "r@example.org", roles=(Role.REVIEWER,)))
    assert client.get(URL).status_code == 403
