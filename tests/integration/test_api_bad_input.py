"""Bad input through the JSON API: each is a clear problem (RFC 9457), a 4xx, never a 500."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from portfolio.extensions import db
from portfolio.models import ApiToken
from tests.api_fixtures import api_world, problem, token_for

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def world(session):
    made = api_world(session)
    session.commit()
    return made


def get(client, url, token):
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("limit", ["0", "-1", "1000000000", "abc", "1.5", ""])
def test_page_sizes_out_of_bounds_are_refused(client, world, limit):
    body = problem(
        get(client, f"/api/v1/applications?limit={limit}", world.tokens["candidate"]), 400
    )
    assert "limit" in body["detail"]


@pytest.mark.parametrize(
    "query, named",
    [
        ("sort=password_hash", "sort"),
        ("sort=window", "sort"),
        ("status=hacked", "status"),
        ("user_id=1", "user_id"),  # a filter this list does not offer
        ("q=alice", "q"),
    ],
)
def test_sorts_and_filters_not_offered_are_refused(client, world, query, named):
    body = problem(get(client, f"/api/v1/applications?{query}", world.tokens["candidate"]), 400)
    assert named in body["detail"]


def _first_cursor(client, token):
    page = get(client, "/api/v1/certificates?limit=1", token).get_json()
    assert page["next_cursor"]
    return page["next_cursor"]


def test_tampered_cursors_are_refused(client, world):
    token = world.tokens["administrator"]
    cursor = _first_cursor(client, token)
    for bad in (
        cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"),
        "x" + cursor,
        "garbage",
        "a" * 999,
    ):
        body = problem(get(client, f"/api/v1/certificates?cursor={bad}", token), 400)
        assert "cursor" in body["detail"]
    # A good cursor of another sort, list or person's query is refused too.
    problem(get(client, f"/api/v1/certificates?sort=-id&cursor={cursor}", token), 400)
    problem(get(client, f"/api/v1/decisions?cursor={cursor}", token), 400)


def test_a_nul_byte_in_the_query_is_refused(client, world):
    body = problem(get(client, "/api/v1/applications?status=a%00b", world.tokens["candidate"]), 400)
    assert "cannot store" in body["detail"]


def test_expired_revoked_and_wrong_scope_tokens(client, session, world):
    user = world.users["candidate"]
    expired = token_for(session, user, ["read:applications"], days=7)
    revoked = token_for(session, user, ["read:applications"], days=7)
    narrow = token_for(session, user, ["read:portfolio"], days=7)
    rows = {
        row.id: row for row in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
    }
    newest = sorted(rows)[-3:]
    rows[newest[0]].expires_at = rows[newest[0]].created_at
    from portfolio.models.base import utcnow

    rows[newest[1]].revoked_at = utcnow()
    session.commit()
    for token in (expired, revoked):
        body = problem(get(client, "/api/v1/applications", token), 401)
        assert "expired or revoked" in body["detail"]
    body = problem(get(client, "/api/v1/applications", narrow), 403)
    assert "read:applications" in body["detail"]


def test_ids_out_of_range_are_not_found(client, world):
    token = world.tokens["candidate"]
    for url in (
        "/api/v1/applications/99999999999999",
        "/api/v1/applications/-1",
        "/api/v1/enrollments/0",
    ):
        problem(get(client, url, token), 404)


def _urls_by_role(world) -> dict[str, list[str]]:
    own = world.ids["candidate"]
    return {
        "administrator": [
            "/api/v1/me",
            "/api/v1/programs",
            "/api/v1/programs/tstp",
            "/api/v1/certificates",
            "/api/v1/decisions",
            "/api/v1/reports/at-risk",
            "/api/v1/reports/cohorts",
        ],
        "candidate": [
            "/api/v1/applications",
            f"/api/v1/applications/{own['application']}",
            "/api/v1/enrollments",
            f"/api/v1/enrollments/{own['enrollment']}",
            "/api/v1/portfolio/entries",
            f"/api/v1/portfolio/entries/{own['entry']}",
            "/api/v1/portfolios",
            f"/api/v1/portfolios/{own['portfolio']}",
            "/api/v1/portfolio/artifacts",
            f"/api/v1/certificates/{own['certificate']}",
        ],
        "reviewer": [
            "/api/v1/review-assignments",
            f"/api/v1/review-assignments/{world.ids['reviewer']['assignment']}",
        ],
    }


def test_api_gets_write_nothing_but_the_tokens_last_use(app, client, world):
    """A GET never writes; the one exception is the token's last-used time, at most once per
    few minutes (domain.accounts.api_tokens.LAST_USED_PRECISION)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if WRITES.match(statement):
            statements.append(statement)

    engine = db.engine_for(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        for role, urls in _urls_by_role(world).items():
            for url in urls:
                assert get(client, url, world.tokens[role]).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # One UPDATE per token used (three roles), however many requests each made.
    assert len(statements) == 3, statements
    assert all(statement.startswith("UPDATE api_token") for statement in statements)
