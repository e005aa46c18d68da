"""Editing a learning statement through the JSON API (PUT
/api/v1/portfolios/{id}/learning-statement): the same service, limit, locking and refusals as
the page; problem details for the rest. Reading portfolios (GET /api/v1/portfolios[/{id}])."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portfolio.domain.errors import Conflict
from portfolio.domain.portfolios.evidence import MAX_STATEMENT
from portfolio.models import Enrollment, EnrollmentStatus, Portfolio, Route, Submission
from portfolio.models.base import utcnow
from portfolio.services.accounts import api_tokens
from portfolio.services.portfolios.entries import require_open
from tests.api_fixtures import VERSION, api_world, problem, token_for, with_version
from tests.helpers import csrf_token, login_as

STATEMENT_PAGE = "/me/portfolio/statement"


@pytest.fixture
def world(session):
    made = api_world(session)
    session.commit()
    return made


def portfolio_url(portfolio_id: int) -> str:
    return f"/api/v1/portfolios/{portfolio_id}"


def statement_url(portfolio_id: int) -> str:
    return f"/api/v1/portfolios/{portfolio_id}/learning-statement"


def put(client, portfolio_id, token, body=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        kwargs["json"] = body
    return client.put(statement_url(portfolio_id), headers=headers, **kwargs)


def read(client, portfolio_id, token):
    response = client.get(portfolio_url(portfolio_id), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def stored_statement(session, portfolio_id: int) -> str:
    session.expire_all()
    portfolio = session.get(Portfolio, portfolio_id)
    assert portfolio is not None
    return portfolio.learning_statement


def test_a_candidate_lists_and_reads_only_their_own_portfolio(client, world):
    token, own = world.tokens["candidate"], world.ids["candidate"]
    listed = client.get("/api/v1/portfolios", headers={"Authorization": f"Bearer {token}"})

    assert listed.status_code == 200
    (item,) = listed.get_json()["items"]
    assert item["id"] == own["portfolio"] and item["enrollment_id"] == own["enrollment"]
    assert item["program"] == "tstp" and item["program_version"] >= 1
    assert item["learning_statement"] == "I learned." and item["version"] >= 1
    assert read(client, own["portfolio"], token) == item


def test_an_edit_is_saved_and_shows_on_the_candidates_pages(client, world):
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    before = read(client, portfolio_id, token)

    text = "I **learned** to weed a collection without losing its history."
    response = put(client, portfolio_id, token, {"statement": text, "version": before["version"]})

    assert response.status_code == 200, response.get_data(as_text=True)
    saved = response.get_json()
    assert saved["learning_statement"] == text and saved["version"] == before["version"] + 1
    assert saved["enrollment_id"] == before["enrollment_id"]
    assert read(client, portfolio_id, token) == saved  # what the next GET answers
    login_as(client, world.users["candidate"])
    overview = client.get("/me/portfolio").get_data(as_text=True)
    assert "I learned to weed a collection without losing its history." in overview
    page = client.get(STATEMENT_PAGE).get_data(as_text=True)
    assert "<strong>learned</strong> to weed a collection" in page


def test_sending_the_same_text_again_changes_nothing(client, world):
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    current = read(client, portfolio_id, token)
    response = put(
        client,
        portfolio_id,
        token,
        {"statement": current["learning_statement"], "version": current["version"]},
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == current["version"]


def test_a_stale_version_is_a_conflict_and_nothing_is_written(client, session, world):
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    version = read(client, portfolio_id, token)["version"]
    first = put(client, portfolio_id, token, {"statement": "Saved in one tab.", "version": version})
    assert first.status_code == 200

    late = put(client, portfolio_id, token, {"statement": "Written over it.", "version": version})

    body = problem(late, 409)
    assert "Read the portfolio again" in body["detail"]
    assert f"GET {portfolio_url(portfolio_id)})" in body["detail"]
    assert body["field"] == "version"
    assert stored_statement(session, portfolio_id) == "Saved in one tab."
    again = put(
        client,
        portfolio_id,
        token,
        {"statement": "Written over it.", "version": read(client, portfolio_id, token)["version"]},
    )
    assert again.status_code == 200  # reading again is all it takes


def save_on_page(client, statement, version):
    """The statement page's own form, as the signed-in candidate sends it."""
    return client.post(
        STATEMENT_PAGE,
        data={
            "csrf_token": csrf_token(client, STATEMENT_PAGE),
            "learning_statement": statement,
            "version": version,
        },
    )


def test_the_page_and_the_api_share_one_version(client, session, world):
    """A save on the page makes the version a script holds stale, and the other way round."""
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    version = read(client, portfolio_id, token)["version"]
    login_as(client, world.users["candidate"])
    assert save_on_page(client, "Saved on the page.", version).status_code == 302

    problem(put(client, portfolio_id, token, {"statement": "Script.", "version": version}), 409)

    assert stored_statement(session, portfolio_id) == "Saved on the page."
    fresh = read(client, portfolio_id, token)["version"]
    script = put(client, portfolio_id, token, {"statement": "Script.", "version": fresh})
    assert script.status_code == 200
    assert save_on_page(client, "The page again.", fresh).status_code == 409
    assert stored_statement(session, portfolio_id) == "Script."


@pytest.mark.parametrize("who", ["other", "reviewer", "administrator", "supervisor", "provider"])
def test_nobody_else_can_read_or_edit_a_candidates_statement(client, session, world, who):
    """Every role's token holds read:portfolio and write:portfolio (anyone may edit their own);
    none reaches another person's portfolio, and the answer is the same as for one that does
    not exist."""
    portfolio_id = world.ids["candidate"]["portfolio"]
    token = world.tokens[who]
    bearer = {"Authorization": f"Bearer {token}"}
    body = {"statement": "Not yours.", "version": 1}

    refused = problem(put(client, portfolio_id, token, body), 404)

    missing = problem(put(client, 99_999, token, body), 404)
    assert refused == missing
    read_refused = problem(client.get(portfolio_url(portfolio_id), headers=bearer), 404)
    assert read_refused == problem(client.get(portfolio_url(99_999), headers=bearer), 404)
    listed = client.get("/api/v1/portfolios", headers=bearer).get_json()["items"]
    assert portfolio_id not in [item["id"] for item in listed]
    assert stored_statement(session, portfolio_id) == "I learned."


def test_a_token_without_the_write_scope_is_forbidden(client, session, world):
    candidate, portfolio_id = world.users["candidate"], world.ids["candidate"]["portfolio"]
    reader = token_for(session, candidate, ["read:portfolio"])
    session.commit()
    version = read(client, portfolio_id, reader)["version"]

    body = problem(put(client, portfolio_id, reader, {"statement": "No.", "version": version}), 403)

    assert "write:portfolio" in body["detail"]
    assert stored_statement(session, portfolio_id) == "I learned."


def test_reading_needs_the_read_scope(client, session, world):
    candidate, portfolio_id = world.users["candidate"], world.ids["candidate"]["portfolio"]
    writer = token_for(session, candidate, ["write:portfolio"])
    session.commit()
    bearer = {"Authorization": f"Bearer {writer}"}
    for url in ("/api/v1/portfolios", portfolio_url(portfolio_id)):
        assert "read:portfolio" in problem(client.get(url, headers=bearer), 403)["detail"]


def test_no_token_and_a_revoked_token_are_unauthorized(client, session, world):
    candidate, portfolio_id = world.users["candidate"], world.ids["candidate"]["portfolio"]
    token = token_for(session, candidate, ["read:portfolio", "write:portfolio"])
    session.commit()
    version = read(client, portfolio_id, token)["version"]
    row = api_tokens.owned_tokens(session, candidate)[0]
    api_tokens.revoke_token(session, candidate, row.id, utcnow())
    session.commit()

    revoked = put(client, portfolio_id, token, {"statement": "Revoked.", "version": version})
    anonymous = put(client, portfolio_id, None, {"statement": "Nobody.", "version": version})

    assert "revoked" in problem(revoked, 401)["detail"]
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")
    assert "personal access token" in problem(anonymous, 401)["detail"]
    assert stored_statement(session, portfolio_id) == "I learned."


def test_a_signed_in_browsers_cookie_cannot_edit_through_the_api(client, session, world):
    """The API takes no CSRF token because it ignores session cookies: a page of another site
    that makes the candidate's browser send a PUT gets 401, and nothing is written."""
    portfolio_id = world.ids["candidate"]["portfolio"]
    version = read(client, portfolio_id, world.tokens["candidate"])["version"]
    login_as(client, world.users["candidate"])
    forged = put(client, portfolio_id, None, {"statement": "forged", "version": version})
    body = problem(forged, 401)
    assert "personal access token" in body["detail"]
    assert stored_statement(session, portfolio_id) == "I learned."


@pytest.mark.parametrize(
    "body, field",
    [
        ({"statement": 5, "version": VERSION}, "statement"),
        ({"statement": ["a list"], "version": VERSION}, "statement"),
        ({"statement": None, "version": VERSION}, "statement"),
        ({"version": VERSION}, "statement"),
        ({"statement": "No version."}, "version"),
        ({"statement": "x", "version": 0}, "version"),
        ({"statement": "x", "version": 2**31}, "version"),
        ({"statement": "x", "version": "1"}, "version"),
        ({"statement": "x", "version": True}, "version"),
        ({"statement": "x", "version": VERSION, "learning_statement": "x"}, "learning_statement"),
    ],
)
def test_bodies_of_the_wrong_shape_are_refused_naming_the_field(
    client, session, world, body, field
):
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    version = read(client, portfolio_id, token)["version"]
    sent = with_version(body, version)

    refused = problem(put(client, portfolio_id, token, sent), 422)

    assert refused["field"] == field and f"“{field}”" in refused["detail"]
    assert stored_statement(session, portfolio_id) == "I learned."


def test_a_statement_over_the_pages_limit_is_refused_with_the_pages_message(client, session, world):
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    version = read(client, portfolio_id, token)["version"]

    too_long = put(
        client, portfolio_id, token, {"statement": "x" * (MAX_STATEMENT + 1), "version": version}
    )

    body = problem(too_long, 422)
    assert body["field"] == "statement"  # the body's name for it, not the page's form field
    assert body["detail"] == (
        f"The learning statement is {MAX_STATEMENT + 1:,} characters long; "
        f"the most is {MAX_STATEMENT:,}."
    )
    assert stored_statement(session, portfolio_id) == "I learned."
    # The limit itself is allowed, and a CR LF line end counts as one character, as on the page.
    at_limit = "x" * (MAX_STATEMENT - 1) + "\r\n"
    response = put(client, portfolio_id, token, {"statement": at_limit, "version": version})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(stored_statement(session, portfolio_id)) == MAX_STATEMENT


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("statement=x&version=1", "application/x-www-form-urlencoded"),
        ('{"statement": "x", "version": 1', "application/json"),  # cut short
        ('["statement", "x"]', "application/json"),
        ("", "application/json"),
        ('{"statement": "x", "version": 1}', "text/plain"),
        (None, None),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    client, session, world, data, content_type
):
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    kwargs = {} if data is None else {"data": data, "content_type": content_type}

    body = problem(put(client, portfolio_id, token, **kwargs), 400)

    assert "JSON object" in body["detail"]
    assert stored_statement(session, portfolio_id) == "I learned."


@pytest.mark.parametrize("finished", [EnrollmentStatus.CERTIFIED, EnrollmentStatus.CLOSED])
def test_a_finished_enrollment_refuses_with_the_services_message(client, session, world, finished):
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    enrollment = session.get(Enrollment, world.ids["candidate"]["enrollment"])
    enrollment.status = finished
    session.commit()
    with pytest.raises(Conflict) as refusal:
        require_open(enrollment)
    version = read(client, portfolio_id, token)["version"]  # still readable

    body = problem(
        put(client, portfolio_id, token, {"statement": "Too late.", "version": version}), 409
    )

    assert body["detail"] == refusal.value.message
    assert f"Your enrollment is {finished.value}: the portfolio is closed." == body["detail"]
    assert stored_statement(session, portfolio_id) == "I learned."


def test_a_submission_already_sent_keeps_the_statement_it_was_sent_with(client, session, world):
    token, portfolio_id = world.tokens["candidate"], world.ids["candidate"]["portfolio"]
    enrollment = session.get(Enrollment, world.ids["candidate"]["enrollment"])
    enrollment_set = next(s for s in enrollment.sets if s.route == Route.PORTFOLIO)
    submission = session.scalars(
        select(Submission).where(Submission.enrollment_set_id == enrollment_set.id)
    ).one()
    sent = (submission.snapshot_sha256, submission.snapshot)
    version = read(client, portfolio_id, token)["version"]

    response = put(client, portfolio_id, token, {"statement": "Revised.", "version": version})

    assert response.status_code == 200
    session.expire_all()
    submission = session.get(Submission, submission.id)
    assert (submission.snapshot_sha256, submission.snapshot) == sent
