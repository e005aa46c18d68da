"""Editing a narrative through the JSON API (PUT /api/v1/portfolio/entries/{id}): the same
service, limits, locking, refusals and audit trail as the page; problem details for the rest."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portfolio.domain.errors import Conflict
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.portfolios.evidence import MAX_NARRATIVE, status_after_edit
from portfolio.models import (
    AuditEvent,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    PortfolioEntry,
    Route,
    Submission,
)
from portfolio.models.base import utcnow
from portfolio.services.accounts import api_tokens
from portfolio.services.portfolios.entries import require_open
from tests.api_fixtures import VERSION, api_world, problem, token_for, with_version
from tests.helpers import csrf_token, login_as


@pytest.fixture
def world(session):
    made = api_world(session)
    session.commit()
    return made


def entry_url(entry_id: int) -> str:
    return f"/api/v1/portfolio/entries/{entry_id}"


def put(client, entry_id, token, body=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        kwargs["json"] = body
    return client.put(entry_url(entry_id), headers=headers, **kwargs)


def read(client, entry_id, token):
    response = client.get(entry_url(entry_id), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def stored_narrative(session, entry_id: int) -> str:
    session.expire_all()
    entry = session.get(PortfolioEntry, entry_id)
    assert entry is not None
    return entry.narrative


def test_an_edit_is_saved_and_shows_on_the_candidates_pages(client, session, world):
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    listed = client.get("/api/v1/portfolio/entries", headers={"Authorization": f"Bearer {token}"})
    before = listed.get_json()["items"][0]
    assert before["id"] == entry_id and before["version"] >= 1

    text = "I **led** the weeding project at the branch library, in three steps."
    response = put(client, entry_id, token, {"narrative": text, "version": before["version"]})

    assert response.status_code == 200, response.get_data(as_text=True)
    saved = response.get_json()
    assert saved["narrative"] == text and saved["version"] == before["version"] + 1
    assert saved["artifact_ids"] == before["artifact_ids"]
    assert read(client, entry_id, token) == saved  # what the next GET answers, version included
    login_as(client, world.users["candidate"])
    page = client.get(f"/me/portfolio/entries/{entry_id}").get_data(as_text=True)
    assert "<strong>led</strong> the weeding project" in page
    overview = client.get("/me/portfolio").get_data(as_text=True)
    assert "12 words" in overview


def test_sending_the_same_text_again_changes_nothing(client, world):
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    current = read(client, entry_id, token)
    response = put(
        client, entry_id, token, {"narrative": current["narrative"], "version": current["version"]}
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == current["version"]


def test_a_stale_version_is_a_conflict_and_nothing_is_written(client, session, world):
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    version = read(client, entry_id, token)["version"]
    first = put(client, entry_id, token, {"narrative": "Saved in one tab.", "version": version})
    assert first.status_code == 200

    late = put(client, entry_id, token, {"narrative": "Written over it.", "version": version})

    body = problem(late, 409)
    assert "Read the entry again" in body["detail"] and entry_url(entry_id) in body["detail"]
    assert body["field"] == "version"
    assert stored_narrative(session, entry_id) == "Saved in one tab."
    again = put(
        client,
        entry_id,
        token,
        {"narrative": "Written over it.", "version": read(client, entry_id, token)["version"]},
    )
    assert again.status_code == 200  # reading again is all it takes


@pytest.mark.parametrize("who", ["other", "reviewer", "administrator", "supervisor", "provider"])
def test_nobody_else_can_edit_a_candidates_entry(client, session, world, who):
    """Every role's token holds write:portfolio (anyone may edit their own); none reaches
    another person's entry, and the answer is the same as for an entry that does not exist."""
    entry_id = world.ids["candidate"]["entry"]
    token = world.tokens[who]
    body = {"narrative": "Not yours.", "version": 1}

    refused = problem(put(client, entry_id, token, body), 404)

    missing = problem(put(client, 99_999, token, body), 404)
    assert refused == missing
    problem(client.get(entry_url(entry_id), headers={"Authorization": f"Bearer {token}"}), 404)
    assert stored_narrative(session, entry_id) == "I did."


def test_a_token_without_the_write_scope_is_forbidden(client, session, world):
    candidate, entry_id = world.users["candidate"], world.ids["candidate"]["entry"]
    reader = token_for(session, candidate, ["read:portfolio"])
    session.commit()
    version = read(client, entry_id, reader)["version"]

    body = problem(put(client, entry_id, reader, {"narrative": "No.", "version": version}), 403)

    assert "write:portfolio" in body["detail"]
    assert stored_narrative(session, entry_id) == "I did."


def test_no_token_and_a_revoked_token_are_unauthorized(client, session, world):
    candidate, entry_id = world.users["candidate"], world.ids["candidate"]["entry"]
    token = token_for(session, candidate, ["read:portfolio", "write:portfolio"])
    session.commit()
    version = read(client, entry_id, token)["version"]
    row = api_tokens.owned_tokens(session, candidate)[0]
    api_tokens.revoke_token(session, candidate, row.id, utcnow())
    session.commit()

    revoked = put(client, entry_id, token, {"narrative": "Revoked.", "version": version})
    anonymous = put(client, entry_id, None, {"narrative": "Nobody.", "version": version})

    assert "revoked" in problem(revoked, 401)["detail"]
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")
    assert "personal access token" in problem(anonymous, 401)["detail"]
    assert stored_narrative(session, entry_id) == "I did."


@pytest.mark.parametrize(
    "body, field",
    [
        ({"narrative": 5, "version": VERSION}, "narrative"),
        ({"narrative": ["a list"], "version": VERSION}, "narrative"),
        ({"narrative": None, "version": VERSION}, "narrative"),
        ({"version": VERSION}, "narrative"),
        ({"narrative": "No version."}, "version"),
        ({"narrative": "x", "version": -1}, "version"),
        ({"narrative": "x", "version": 0}, "version"),
        ({"narrative": "x", "version": 10**20}, "version"),
        ({"narrative": "x", "version": 2**31}, "version"),
        ({"narrative": "x", "version": "1"}, "version"),
        ({"narrative": "x", "version": 1.0}, "version"),
        ({"narrative": "x", "version": True}, "version"),
        ({"narrative": "x", "version": VERSION, "text": "a typo'd field"}, "text"),
    ],
)
def test_bodies_of_the_wrong_shape_are_refused_naming_the_field(
    client, session, world, body, field
):
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    version = read(client, entry_id, token)["version"]
    sent = with_version(body, version)

    refused = problem(put(client, entry_id, token, sent), 422)

    assert refused["field"] == field and f"“{field}”" in refused["detail"]
    assert stored_narrative(session, entry_id) == "I did."


def test_a_narrative_over_the_pages_limit_is_refused_with_the_pages_message(client, session, world):
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    version = read(client, entry_id, token)["version"]

    too_long = put(
        client, entry_id, token, {"narrative": "x" * (MAX_NARRATIVE + 1), "version": version}
    )

    body = problem(too_long, 422)
    assert body["field"] == "narrative"
    assert body["detail"] == (
        f"The narrative is {MAX_NARRATIVE + 1:,} characters long; the most is {MAX_NARRATIVE:,}."
    )
    assert stored_narrative(session, entry_id) == "I did."
    # The limit itself is allowed, and a CR LF line end counts as one character, as on the page.
    at_limit = "x" * (MAX_NARRATIVE - 1) + "\r\n"
    response = put(client, entry_id, token, {"narrative": at_limit, "version": version})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(stored_narrative(session, entry_id)) == MAX_NARRATIVE


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("narrative=x&version=1", "application/x-www-form-urlencoded"),
        ('{"narrative": "x", "version": 1', "application/json"),  # cut short
        ('["narrative", "x"]', "application/json"),
        ('"just a string"', "application/json"),
        ("", "application/json"),
        ('{"narrative": "x", "version": 1}', "text/plain"),
        (None, None),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    client, session, world, data, content_type
):
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    kwargs = {} if data is None else {"data": data, "content_type": content_type}

    body = problem(put(client, entry_id, token, **kwargs), 400)

    assert "JSON object" in body["detail"]
    assert stored_narrative(session, entry_id) == "I did."


def test_a_nul_character_in_the_narrative_is_refused(client, session, world):
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    version = read(client, entry_id, token)["version"]
    body = problem(put(client, entry_id, token, {"narrative": "a\x00b", "version": version}), 400)
    assert "narrative" in body["detail"]
    assert stored_narrative(session, entry_id) == "I did."


def _refusal(check, *args) -> str:
    with pytest.raises(Conflict) as refused:
        check(*args)
    return refused.value.message


def _candidate_set(session, world) -> EnrollmentSet:
    enrollment = session.get(Enrollment, world.ids["candidate"]["enrollment"])
    return next(s for s in enrollment.sets if s.route == Route.PORTFOLIO)


@pytest.mark.parametrize("finished", ["set met", "set closed", "enrollment certified"])
def test_a_finished_set_or_enrollment_refuses_with_the_services_message(
    client, session, world, finished
):
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    enrollment_set = _candidate_set(session, world)
    if finished == "set met":
        enrollment_set.status = SetLifecycle.MET
        expected = _refusal(status_after_edit, SetLifecycle.MET)
    elif finished == "set closed":
        enrollment_set.status = SetLifecycle.CLOSED_NOT_MET
        expected = _refusal(status_after_edit, SetLifecycle.CLOSED_NOT_MET)
    else:
        enrollment_set.enrollment.status = EnrollmentStatus.CERTIFIED
        expected = _refusal(require_open, enrollment_set.enrollment)
    session.commit()
    version = read(client, entry_id, token)["version"]

    body = problem(
        put(client, entry_id, token, {"narrative": "Too late.", "version": version}), 409
    )

    assert body["detail"] == expected
    assert "can no longer be changed" in expected or "the portfolio is closed" in expected
    assert stored_narrative(session, entry_id) == "I did."


def test_a_set_waiting_on_reviewers_takes_the_edit_in_the_draft_only(client, session, world):
    """As on the page: the reviewers keep reading the submission as it was sent."""
    token, entry_id = world.tokens["candidate"], world.ids["candidate"]["entry"]
    enrollment_set = _candidate_set(session, world)
    status = enrollment_set.status
    submission = session.scalars(
        select(Submission).where(Submission.enrollment_set_id == enrollment_set.id)
    ).one()
    sent = (submission.snapshot_sha256, submission.snapshot)
    version = read(client, entry_id, token)["version"]

    response = put(client, entry_id, token, {"narrative": "Revised draft.", "version": version})

    assert response.status_code == 200
    session.expire_all()
    assert _candidate_set(session, world).status == status
    submission = session.get(Submission, submission.id)
    assert (submission.snapshot_sha256, submission.snapshot) == sent


def _status_changes(session, enrollment_set_id: int) -> list[tuple]:
    session.expire_all()
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "enrollment_set")
        .where(AuditEvent.object_id == str(enrollment_set_id))
        .order_by(AuditEvent.id)
    )
    return [(e.actor_id, e.action, e.details) for e in events]


def test_a_first_edit_is_audited_as_the_pages_edit_is(client, session, world):
    """The other candidate's set is not started: a first edit makes it a draft, and the API
    records the same event as the page's Save."""
    other = world.users["other"]
    enrollment = session.get(Enrollment, world.ids["other"]["enrollment"])
    enrollment_set = EnrollmentSet(
        enrollment=enrollment,
        set_id=enrollment.framework.sets[0].id,
        route=Route.PORTFOLIO,
        status=SetLifecycle.NOT_STARTED,
    )
    session.add(enrollment_set)
    session.commit()
    entry_id, token = world.ids["other"]["entry"], world.tokens["other"]
    version = read(client, entry_id, token)["version"]

    through_api = put(
        client, entry_id, token, {"narrative": "Through the API.", "version": version}
    )

    assert through_api.status_code == 200, through_api.get_data(as_text=True)
    (by_api,) = _status_changes(session, enrollment_set.id)
    assert by_api[0] == other.id and by_api[2]["to"] == "draft"
    # The same first edit on the page, from a set not started again.
    session.get(EnrollmentSet, enrollment_set.id).status = SetLifecycle.NOT_STARTED
    session.commit()
    login_as(client, other)
    page_url = f"/me/portfolio/entries/{entry_id}"
    saved = client.post(
        page_url,
        data={
            "csrf_token": csrf_token(client, page_url),
            "narrative": "Through the page.",
            "version": through_api.get_json()["version"],
        },
    )
    assert saved.status_code == 302
    by_api_again, by_page = _status_changes(session, enrollment_set.id)
    assert by_api_again == by_api
    assert by_page == by_api


def test_a_signed_in_browsers_cookie_cannot_edit_through_the_api(client, session, world):
    """The API takes no CSRF token because it ignores session cookies: a page of another site
    that makes the candidate's browser send a PUT gets 401, and nothing is written."""
    entry_id = world.ids["candidate"]["entry"]
    before = stored_narrative(session, entry_id)
    version = read(client, entry_id, world.tokens["candidate"])["version"]
    login_as(client, world.users["candidate"])
    body = problem(put(client, entry_id, None, {"narrative": "forged", "version": version}), 401)
    assert "personal access token" in body["detail"]
    assert stored_narrative(session, entry_id) == before
