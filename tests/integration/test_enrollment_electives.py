"""Electives and routes: each bad choice refused with its own status, never another's data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import CourseStatus, EnrollmentSet, Route
from tests.application_fixtures import ELECTIVES, approve, enrollment_of, submitted_application
from tests.helpers import csrf_token, login_as, post_form


@pytest.fixture
def enrolled(client, session, lsscp, other_program, candidate, other_candidate, admin):
    """The candidate, enrolled in LSSCP (another program and another person exist too)."""
    approve(client, admin, submitted_application(client, candidate))
    login_as(client, candidate)
    return enrollment_of(session, candidate)


def electives_url(enrollment) -> str:
    return f"/me/enrollments/{enrollment.id}/electives"


def chosen_codes(session, enrollment) -> set[str]:
    session.expire_all()
    rows = session.scalars(
        select(EnrollmentSet).where(EnrollmentSet.enrollment_id == enrollment.id)
    )
    return {row.competency_set.code for row in rows}


def choose(client, enrollment, codes):
    return post_form(client, electives_url(enrollment), {"electives": codes})


def test_too_few_electives_is_refused(client, session, enrolled):
    response = choose(client, enrolled, ELECTIVES[:2])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose exactly 3 electives; you chose 2." in page
    assert page.count("checked") >= 2  # the ticks stay as they were
    assert chosen_codes(session, enrolled) == {"FOUND", "COMM", "TECH"}


def test_too_many_electives_is_refused(client, session, enrolled):
    response = choose(client, enrolled, [*ELECTIVES, "COLL"])
    assert response.status_code == 422
    assert "you chose 4" in response.get_data(as_text=True)


def test_an_elective_of_another_framework_is_refused(client, session, enrolled):
    response = choose(client, enrolled, ["E2", *ELECTIVES[:2]])  # E2 is the other program's
    assert response.status_code == 422
    assert "Not a competency set of this program: E2" in response.get_data(as_text=True)
    assert chosen_codes(session, enrolled) == {"FOUND", "COMM", "TECH"}


def test_a_required_set_is_not_an_elective(client, session, enrolled):
    response = choose(client, enrolled, ["FOUND", *ELECTIVES[:2]])
    assert response.status_code == 422
    assert "Required sets are taken anyway" in response.get_data(as_text=True)


def test_the_same_elective_twice_is_refused(client, session, enrolled):
    response = choose(client, enrolled, ["CAT", "CAT", "ACCESS"])
    assert response.status_code == 422


def test_a_10000_character_elective_code_is_refused(client, session, enrolled):
    assert choose(client, enrolled, ["x" * 10_000, *ELECTIVES[:2]]).status_code == 422


def test_an_elective_can_change_until_work_is_submitted_for_it(client, session, enrolled):
    assert choose(client, enrolled, ELECTIVES).status_code == 302
    assert choose(client, enrolled, ["ACCESS", "ADULT", "COLL"]).status_code == 302
    assert chosen_codes(session, enrolled) == {"FOUND", "COMM", "TECH", "ACCESS", "ADULT", "COLL"}

    coll = next(s for s in enrolled.sets if s.competency_set.code == "COLL")
    coll.status = SetLifecycle.SUBMITTED
    session.commit()
    response = choose(client, enrolled, ELECTIVES)
    assert response.status_code == 409
    assert "stays one of your electives" in response.get_data(as_text=True)
    assert "COLL" in chosen_codes(session, enrolled)
    page = client.get(electives_url(enrolled)).get_data(as_text=True)
    assert "work submitted: it stays one of your electives" in page


def test_another_candidates_enrollment_is_not_found(client, session, enrolled, other_candidate):
    login_as(client, other_candidate)
    assert client.get(electives_url(enrolled)).status_code == 404
    response = post_form(client, electives_url(enrolled), {"electives": ELECTIVES}, page="/me/")
    assert response.status_code == 404
    assert chosen_codes(session, enrolled) == {"FOUND", "COMM", "TECH"}


def test_another_candidates_set_is_not_found(client, session, enrolled, other_candidate):
    item = enrolled.sets[0]
    login_as(client, other_candidate)
    data = {f"set-{item.id}-route": "portfolio"}
    response = post_form(client, f"/me/enrollment-sets/{item.id}/route", data, page="/me/")
    assert response.status_code == 404
    session.expire_all()
    assert session.get(EnrollmentSet, item.id).route == Route.UNDECIDED


def route(client, enrollment, item, **values):
    data = {f"set-{item.id}-{key}": value for key, value in values.items()}
    url = f"/me/enrollment-sets/{item.id}/route"
    return post_form(client, url, data, page=electives_url(enrollment))


def test_the_course_route_leads_to_the_catalogue_and_stores_no_typed_course(
    client, session, enrolled
):
    item = enrolled.sets[0]
    response = route(
        client,
        enrolled,
        item,
        route="course",
        course_name="c" * 10_000,
        course_provider="Anyone At All",
        course_status="verified",
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/me/enrollment-sets/{item.id}/course#choose")
    session.expire_all()
    stored = session.get(EnrollmentSet, item.id)
    assert stored.route == Route.COURSE
    assert (stored.course_name, stored.course_provider) == ("", "")
    assert stored.course_status is CourseStatus.PLANNED  # never the office's "verified"


def test_an_unknown_route_is_refused(client, session, enrolled):
    response = route(client, enrolled, enrolled.sets[0], route="osmosis")
    assert response.status_code == 422
    assert "Choose a course or a portfolio." in response.get_data(as_text=True)


def test_the_route_is_fixed_once_work_is_submitted(client, session, enrolled):
    item = enrolled.sets[0]
    assert route(client, enrolled, item, route="portfolio").status_code == 302
    session.expire_all()
    item = session.get(EnrollmentSet, item.id)
    item.status = SetLifecycle.SUBMITTED
    session.commit()
    response = route(client, enrolled, item, route="course")
    assert response.status_code == 409
    session.expire_all()
    assert session.get(EnrollmentSet, item.id).route == Route.PORTFOLIO


def test_posting_a_route_without_the_csrf_token_is_refused(client, session, enrolled):
    item = enrolled.sets[0]
    url = f"/me/enrollment-sets/{item.id}/route"
    assert client.post(url, data={f"set-{item.id}-route": "portfolio"}).status_code == 400
    assert csrf_token(client, electives_url(enrolled))


def test_a_reopened_elective_with_past_submissions_stays(client, session, enrolled):
    """An administrator's reopen puts a set back in draft; its submissions still need it."""
    from portfolio.models import Submission, SubmissionStatus

    assert choose(client, enrolled, ["ACCESS", "ADULT", "COLL"]).status_code == 302
    coll = next(s for s in enrolled.sets if s.competency_set.code == "COLL")
    session.add(
        Submission(
            enrollment_set_id=coll.id,
            attempt=1,
            submitted_by_id=enrolled.user_id,
            snapshot={"format": 1},
            snapshot_sha256="0" * 64,
            status=SubmissionStatus.NOT_YET_MET,
        )
    )
    coll.status = SetLifecycle.DRAFT
    session.commit()
    response = choose(client, enrolled, ELECTIVES)
    assert response.status_code == 409
    assert "COLL" in chosen_codes(session, enrolled)


def test_an_elective_closed_as_not_met_is_swapped_and_stays_on_record(client, session, enrolled):
    from portfolio.models import Submission, SubmissionStatus

    assert choose(client, enrolled, ELECTIVES).status_code == 302  # ACCESS, ADULT, CAT
    session.expire_all()
    access = next(s for s in enrolled.sets if s.competency_set.code == "ACCESS")
    access.route, access.status = Route.PORTFOLIO, SetLifecycle.CLOSED_NOT_MET
    session.add(
        Submission(
            enrollment_set_id=access.id,
            attempt=1,
            submitted_by_id=enrolled.user_id,
            snapshot={"format": 1},
            snapshot_sha256="0" * 64,
            status=SubmissionStatus.NOT_YET_MET,
        )
    )
    session.commit()
    page = client.get(electives_url(enrolled)).get_data(as_text=True)
    assert "closed as not met: swap it for another elective" in page

    assert choose(client, enrolled, ["ADULT", "CAT", "COLL"]).status_code == 302
    session.expire_all()
    taken = {s.competency_set.code for s in enrolled.sets}
    assert taken == {"FOUND", "COMM", "TECH", "ADULT", "CAT", "COLL"}
    kept = session.get(EnrollmentSet, access.id)  # on record, with its submission
    assert kept.dropped_on is not None and kept.status is SetLifecycle.CLOSED_NOT_MET
    assert session.scalar(select(Submission).where(Submission.enrollment_set_id == access.id))
    # Its route can no longer be chosen while dropped ...
    data = {f"set-{access.id}-route": "course", f"set-{access.id}-course_name": "C"}
    response = post_form(
        client, f"/me/enrollment-sets/{access.id}/route", data, page=electives_url(enrolled)
    )
    assert response.status_code == 409
    # ... and choosing it again brings it back as it was: closed, to be met by a course.
    assert choose(client, enrolled, ["ACCESS", "ADULT", "CAT"]).status_code == 302
    session.expire_all()
    back = session.get(EnrollmentSet, access.id)
    assert back.dropped_on is None and back.status is SetLifecycle.CLOSED_NOT_MET
    assert "COLL" not in {s.competency_set.code for s in enrolled.sets}


def test_electives_no_longer_change_once_the_window_closed(client, session, enrolled):
    from datetime import timedelta

    from portfolio.web import clock

    enrolled.window_ends_on = clock.today() - timedelta(days=1)
    session.commit()
    response = choose(client, enrolled, ELECTIVES)
    assert response.status_code == 409
    assert "electives can no longer change" in response.get_data(as_text=True)
    assert chosen_codes(session, enrolled) == {"FOUND", "COMM", "TECH"}
