"""The JSON API: tokens, the same authorization as the pages, cursor pages, problem details."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portfolio.models import ApiToken, AuditEvent
from tests.api_fixtures import api_world, problem, token_for


@pytest.fixture
def world(session):
    made = api_world(session)
    session.commit()
    return made


def get(client, url, token=None, **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(url, headers=headers)


def test_me_says_who_the_token_is_and_what_it_may_read(client, world):
    body = get(client, "/api/v1/me", world.tokens["candidate"]).get_json()
    assert body["email"] == "casey.candidate@example.org"
    assert "read:reports" not in body["scopes"] and "read:applications" in body["scopes"]
    admin = get(client, "/api/v1/me", world.tokens["administrator"]).get_json()
    assert "read:reports" in admin["scopes"]


def test_a_candidate_reads_their_own_things(client, world):
    token, own = world.tokens["candidate"], world.ids["candidate"]
    apps = get(client, "/api/v1/applications", token).get_json()
    assert [a["id"] for a in apps["items"]] == [own["application"]]
    enrollments = get(client, "/api/v1/enrollments", token).get_json()["items"]
    assert [e["id"] for e in enrollments] == [own["enrollment"]]
    assert enrollments[0]["sets"][0]["set_code"] == "CORE"
    entries = get(client, "/api/v1/portfolio/entries", token).get_json()["items"]
    assert [e["id"] for e in entries] == [own["entry"]]
    assert entries[0]["artifact_ids"] == [own["artifact"]]
    artifacts = get(client, "/api/v1/portfolio/artifacts", token).get_json()["items"]
    assert artifacts[0]["url"] == "https://example.org/list"
    certificates = get(client, "/api/v1/certificates", token).get_json()["items"]
    assert [c["id"] for c in certificates] == [own["certificate"]]
    for kind in ("application", "enrollment", "certificate"):
        url = f"/api/v1/{kind}s/{own[kind]}"
        assert get(client, url, token).status_code == 200, url


@pytest.mark.parametrize("who", ["other", "reviewer", "supervisor", "provider"])
def test_another_persons_ids_are_not_found(client, world, who):
    theirs = world.ids["candidate"]
    token = world.tokens[who]
    for kind in ("application", "enrollment", "certificate"):
        body = problem(get(client, f"/api/v1/{kind}s/{theirs[kind]}", token), 404)
        assert "could not find" in body["detail"]
    # Lists never hold them either.
    listed = get(client, "/api/v1/applications", token).get_json()["items"]
    assert theirs["application"] not in [a["id"] for a in listed]


def test_a_reviewer_reads_only_their_own_assignments(client, world):
    mine, theirs = world.ids["reviewer"]["assignment"], world.ids["other_reviewer"]["assignment"]
    token = world.tokens["reviewer"]
    listed = get(client, "/api/v1/review-assignments", token).get_json()["items"]
    assert [a["id"] for a in listed] == [mine]
    assert get(client, f"/api/v1/review-assignments/{mine}", token).status_code == 200
    problem(get(client, f"/api/v1/review-assignments/{theirs}", token), 404)


def test_an_administrator_reads_every_certificate_and_the_reports(client, world):
    token = world.tokens["administrator"]
    listed = get(client, "/api/v1/certificates", token).get_json()["items"]
    assert len(listed) == 2
    other = world.ids["other"]["certificate"]
    assert get(client, f"/api/v1/certificates/{other}", token).status_code == 200
    assert get(client, "/api/v1/reports/at-risk", token).status_code == 200
    cohorts = get(client, "/api/v1/reports/cohorts", token).get_json()
    assert cohorts["totals"]["enrolled"] == 2


@pytest.mark.parametrize("who", ["candidate", "reviewer", "supervisor", "provider"])
def test_reports_are_for_administrators_only(client, world, who):
    body = problem(get(client, "/api/v1/reports/at-risk", world.tokens[who]), 403)
    assert "read:reports" in body["detail"]


def test_a_token_reads_only_within_its_scopes(client, session, world):
    narrow = token_for(session, world.users["candidate"], ["read:applications"])
    session.commit()
    assert get(client, "/api/v1/applications", narrow).status_code == 200
    body = problem(get(client, "/api/v1/enrollments", narrow), 403)
    assert "read:enrollments" in body["detail"]


def test_a_scope_stops_working_when_its_role_is_taken_away(client, session, world):
    reviewer = world.users["reviewer"]
    reviewer.roles = []
    session.commit()
    problem(get(client, "/api/v1/review-assignments", world.tokens["reviewer"]), 403)


def test_no_token_unknown_expired_and_revoked_tokens_are_401(client, session, world):
    problem(get(client, "/api/v1/applications"), 401)
    problem(get(client, "/api/v1/applications", "pat_" + "x" * 43), 401)
    problem(get(client, "/api/v1/applications", Authorization="Basic abc"), 401)
    token = world.tokens["candidate"]
    row = session.scalars(
        select(ApiToken).where(ApiToken.user_id == world.users["candidate"].id)
    ).one()
    row.expires_at = row.created_at  # expired
    session.commit()
    response = get(client, "/api/v1/applications", token)
    problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_does_not_open_the_api(client, world):
    from tests.helpers import login_as

    login_as(client, world.users["candidate"])
    problem(get(client, "/api/v1/applications"), 401)


def test_programs_are_public(client, world):
    listed = get(client, "/api/v1/programs").get_json()["items"]
    assert [p["slug"] for p in listed] == ["tstp"]
    program = get(client, "/api/v1/programs/tstp").get_json()
    assert [s["code"] for s in program["sets"]][:1] == ["CORE"]
    problem(get(client, "/api/v1/programs/nothing-here"), 404)


def test_a_draft_program_only_reaches_an_administrators_reports_token(client, session, world):
    from portfolio.models import FrameworkStatus
    from tests.review_fixtures import make_framework

    draft = make_framework(session, slug="drft")
    draft.status = FrameworkStatus.DRAFT
    session.commit()
    admin = world.users["administrator"]
    narrow = token_for(session, admin, ["read:applications"])
    session.commit()
    problem(get(client, "/api/v1/programs/drft", narrow), 404)
    problem(get(client, "/api/v1/programs/drft", world.tokens["candidate"]), 404)
    assert get(client, "/api/v1/programs/drft", world.tokens["administrator"]).status_code == 200


def test_cursor_pages_walk_the_whole_list_once(client, session, world):
    admin = world.tokens["administrator"]
    seen, url = [], "/api/v1/certificates?limit=1"
    while url:
        page = get(client, url, admin).get_json()
        seen += [c["id"] for c in page["items"]]
        url = (
            f"/api/v1/certificates?limit=1&cursor={page['next_cursor']}"
            if page["next_cursor"]
            else None
        )
    assert sorted(seen) == seen and len(seen) == 2
    backwards = get(client, "/api/v1/certificates?sort=-id", admin).get_json()["items"]
    assert [c["id"] for c in backwards] == seen[::-1]


def test_token_creation_and_revocation_are_audited(session, world):
    actions = set(session.scalars(select(AuditEvent.action)))
    assert "account.api_token_created" in actions


def test_unknown_routes_and_methods_are_problems(client, world):
    problem(get(client, "/api/v1/nothing"), 404)
    problem(client.post("/api/v1/applications"), 405)
    problem(client.delete("/api/v1/me"), 405)


def test_the_api_is_rate_limited_per_token(app, client, world):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        token = world.tokens["candidate"]
        statuses = [get(client, "/api/v1/me", token).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = get(client, "/api/v1/me", token)
        body = problem(refused, 429)
        assert "Too many" in body["detail"]
        assert int(refused.headers["Retry-After"]) > 0
        # Another token has its own count.
        assert get(client, "/api/v1/me", world.tokens["reviewer"]).status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"


def test_made_up_tokens_share_their_addresss_count(app, client, world):
    """Each made-up token would start a count of its own; the address's count stops them."""
    app.config["API_ADDRESS_LIMIT"] = "3 per minute"
    try:
        statuses = [
            get(client, "/api/v1/me", f"pat_made_up_{n:040d}").status_code for n in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
        problem(get(client, "/api/v1/me", world.tokens["candidate"]), 429)
    finally:
        app.config["API_ADDRESS_LIMIT"] = "600 per minute"


def test_a_list_page_takes_the_same_queries_however_long_the_list(app, client, session, world):
    """Keyset pages: the count of queries of a page does not grow with the data."""
    from sqlalchemy import event

    from portfolio.extensions import db
    from portfolio.models import Certificate, Enrollment
    from portfolio.web import clock
    from tests.review_fixtures import make_candidate

    def queries_for(url: str) -> int:
        counted: list[str] = []

        def count(*_args, **_kwargs):
            counted.append("q")

        engine = db.engine_for(app)
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert get(client, url, world.tokens["administrator"]).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    queries_for("/api/v1/me")  # the token's first use records it; later ones do not
    few = queries_for("/api/v1/certificates?limit=50")
    framework = session.get(Enrollment, world.ids["candidate"]["enrollment"]).framework
    for number in range(30):
        user, enrollment = make_candidate(
            session, framework, email=f"c{number}@example.org", name=f"C {number}"
        )
        session.add(
            Certificate(
                number=f"MANY-{number}",
                enrollment_id=enrollment.id,
                user_id=user.id,
                framework_id=framework.id,
                issued_on=clock.today(),
                expires_on=clock.today(),
            )
        )
    session.commit()
    many = queries_for("/api/v1/certificates?limit=50")
    assert many == few


def test_the_docs_page_is_for_people_signed_in_or_not(client, world):
    from tests.helpers import login_as

    assert "Sign in to make a token" in client.get("/api/v1/docs").get_data(as_text=True)
    login_as(client, world.users["candidate"])
    assert "/account/tokens" in client.get("/api/v1/docs").get_data(as_text=True)
