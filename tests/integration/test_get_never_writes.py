"""A GET never writes: every page each role can reach, opened, changes nothing in the database.

The demo data (`flask demo`) plus a few people in the states where pages used to write (a
candidate enrolled but with no set on the portfolio route, a new reviewer who must calibrate,
a reviewer without a profile) is crawled as each role: every link on every page reached from the
start pages is followed (a few URLs per endpoint); every GET rule of the url_map without
arguments, and the pages of seeded objects nothing links to, are opened too. A listener on the
engine fails the test on any INSERT, UPDATE or DELETE sent while a GET was handled. No page is
excluded from that check: none needs to write on a GET. The test also fails when a GET endpoint
is reached by no role, unless NOT_CRAWLED names it with the reason.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import event, select
from werkzeug.exceptions import HTTPException

from portfolio.extensions import db
from portfolio.models import (
    Application,
    ApplicationStatus,
    Artifact,
    Assignment,
    Framework,
    Role,
    Submission,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.enrollment import enroll
from portfolio.services.reviewing import calibration
from portfolio.web import clock
from tests.course_fixtures import approved_and_waiting
from tests.helpers import login_as, make_user
from tests.integration.test_demo_portfolio import (
    ADMIN,
    CANDIDATE,
    REVIEWER,
    SUPERVISOR,
    publish_lsscp,
    run,
)
from tests.review_fixtures import make_reviewer

HOLDER_EMAIL = "holder@demo.example"  # the demo's certified holder (commands.demo_renewal)

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
HREF = re.compile(r'href="([^"#]+)"')
PER_ENDPOINT = 2  # enough to meet each page in two states, few enough to stay fast
MAX_PAGES = 1500
# Links that leave the app's pages: files from the object store and static assets.
NOT_PAGES = ("/static/",)


@contextmanager
def writes_recorded(engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if WRITES.match(statement):
            statements.append(statement.split("\n")[0][:120])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _user(session, email: str) -> User:
    return session.scalars(select(User).where(User.email == email)).one()


@pytest.fixture
def people(app, session) -> dict[str, User]:
    """The demo's people, and the states where a page view used to make rows."""
    publish_lsscp(app)
    result = run(app, "demo")
    assert result.exit_code == 0, result.output
    demo = {
        email: _user(session, email)
        for email in (ADMIN, CANDIDATE, REVIEWER, SUPERVISOR, PROVIDER, HOLDER_EMAIL)
    }
    # An anchor, and a new reviewer qualified for its set who has not calibrated yet.
    submission = session.scalars(select(Submission)).one()
    admin = demo[ADMIN]
    codes = [c.code for c in submission.enrollment_set.competency_set.competencies]
    calibration.mark_anchor(session, submission, actor=admin, agreed=dict.fromkeys(codes, "met"))
    slug = session.scalars(select(Framework.slug)).first()
    set_code = submission.enrollment_set.competency_set.code
    fresh = make_reviewer(session, "fresh@example.org", sets=(set_code,), slug=slug)
    no_profile = make_user(session, "noprofile@example.org", roles=(Role.REVIEWER,))
    # One who has started their exercise (the button's POST), so its page is crawled too.
    calibrating = make_reviewer(session, "calibrating@example.org", sets=(set_code,), slug=slug)
    assert calibration.start_calibration(session, calibrating, clock.today()) is not None
    # A candidate enrolled with every set still undecided: no portfolio yet.
    newcomer = _enrolled_without_portfolio(session, admin)
    # A course provider with an approved course and one that `fresh` is evaluating.
    framework = submission.enrollment_set.competency_set.framework
    provider = approved_and_waiting(
        session, framework, admin=admin, evaluator=fresh, set_code=set_code
    )
    session.commit()
    return {
        **demo,
        "provider": provider,
        "fresh": fresh,
        "calibrating": calibrating,
        "no_profile": no_profile,
        "newcomer": newcomer,
    }


def _unlinked_pages(session, people: dict[str, User]) -> list[str]:
    """Pages of seeded objects that no page links to (opened directly, like a bookmark)."""
    application = session.scalars(
        select(Application).where(Application.user_id == people[CANDIDATE].id)
    ).one()
    artifact_ids = session.scalars(select(Artifact.id)).all()
    submission_ids = session.scalars(select(Submission.id)).all()
    return [
        f"/admin/applications/{application.id}",
        *(f"/me/portfolio/artifacts/{artifact_id}" for artifact_id in artifact_ids[:2]),
        *(f"/me/outcomes/{submission_id}" for submission_id in submission_ids),
    ]


def _enrolled_without_portfolio(session, admin: User) -> User:
    user = make_user(session, "newcomer@example.org", name="Nia Newcomer", roles=(Role.CANDIDATE,))
    framework = session.scalars(select(Framework)).first()
    application = Application(
        user=user,
        framework=framework,
        status=ApplicationStatus.APPROVED,
        has_diploma=True,
        decided_at=utcnow(),
    )
    session.add(application)
    session.flush()
    enroll.enroll(session, application, actor=admin, today=framework.published_at.date())
    return user


def _get_rules_without_arguments(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint != "static"
    )


def crawl(
    app, client, start: list[str], reached: set[str]
) -> tuple[list[tuple[str, list[str]]], Counter[int]]:
    """Open `start` and every page linked from a page reached (adding their endpoints to
    `reached`); the writes each GET made, and how many answers of each status."""
    engine = db.engine_for(app)
    adapter = app.url_map.bind("localhost")
    seen: set[str] = set()
    per_endpoint: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    offending: list[tuple[str, list[str]]] = []
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or url.startswith(NOT_PAGES):
            continue
        try:
            endpoint, _args = adapter.match(urlsplit(url).path, method="GET")
        except HTTPException:  # not one of our GET routes (404, 405): not followed
            continue
        if per_endpoint[endpoint] >= PER_ENDPOINT:
            continue
        seen.add(url)
        reached.add(endpoint)
        per_endpoint[endpoint] += 1
        with writes_recorded(engine) as writes:
            response = client.get(url)
            # A streamed download (an export) reads as it is consumed: its reads count too, and
            # its request context ends here rather than inside the next request.
            response.get_data()
            response.close()
        statuses[response.status_code] += 1
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        if writes:
            offending.append((url, writes))
        if response.status_code in (301, 302, 303):
            queue.append(urljoin(url, response.headers["Location"]).replace("http://localhost", ""))
        if response.status_code == 200 and response.mimetype == "text/html":
            for href in HREF.findall(response.get_data(as_text=True)):
                target = urljoin(url, href.replace("&amp;", "&"))
                if target.startswith("/"):
                    queue.append(target)
    return offending, statuses


PROVIDER = "provider@demo.example"
ROLES = (
    ADMIN,
    CANDIDATE,
    HOLDER_EMAIL,
    REVIEWER,
    SUPERVISOR,
    "fresh",
    "calibrating",
    "no_profile",
    "newcomer",
    "provider",
    PROVIDER,
    None,
)


# GET endpoints no crawl reaches, and why; every other one must be reached by some role.
NOT_CRAWLED = {
    # Links with a signed token, sent by email or made for one download.
    "account.confirm_email_change",
    "auth.confirm",
    "auth.reset_password",
    "supervisor.invitation",
    "supervisor.join",
    "uploads.local_download",
    "notifications.confirm_unsubscribe",  # tests/integration/test_notifications.py
    # Objects the demo data does not make: renewal applications (its holder has not applied;
    # test_renewal_review.py checks the office's page writes nothing), draft framework
    # versions (the demo program is published), and file uploads (its artifacts are links).
    "admin.renewal",
    # Open Badges documents, linked as absolute URLs the crawl does not follow
    # (test_open_badges_routes.py checks that their GETs write nothing).
    "credentials.credential",
    "credentials.status_list",
    "admin.framework_competency_edit",
    "admin.framework_competency_new",
    "admin.framework_publish",
    "admin.framework_set_edit",
    "admin.framework_set_new",
    "uploads.parts",
    "uploads.show",
    # Appeals: the demo decides nothing against anyone (test_appeals.py checks that these
    # pages write nothing on a GET).
    "admin.appeal",
    "candidate.appeal",
    "candidate.appeal_decision",
    "candidate.appeal_outcome",
    "committee.appeal",
    # A portfolio import's report: the demo imports nothing (test_portfolio_import.py reads it).
    "candidate.portfolio_import_result",
    "candidate.portfolio_import_status",
    # The JSON API's objects by id, opened with a token, not a session cookie (which the API
    # ignores): tests/integration/test_api_bad_input.py checks that its GETs write nothing
    # but the token's last-used time.
    "api.application",
    "api.assignment",
    "api.certificate",
    "api.enrollment",
    "api.entry",
    "api.portfolio",
    "api.program",
}


def test_no_page_any_role_can_reach_writes_on_get(app, client, session, people):
    start = ["/", *_get_rules_without_arguments(app), *_unlinked_pages(session, people)]
    reached: set[str] = set()
    for who in ROLES:
        with client.session_transaction() as flask_session:
            flask_session.clear()
        if who is not None:
            login_as(client, people[who])
        offending, statuses = crawl(app, client, start, reached)
        assert statuses[200] >= 5, (who, statuses)  # the crawl really saw pages
        assert offending == [], who
    every_get = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    }
    assert every_get - reached == NOT_CRAWLED


def test_the_crawl_reaches_the_pages_that_used_to_write(app, client, session, people):
    """The pages that made rows on a GET are among those crawled, and still make none."""
    login_as(client, people["newcomer"])
    response = client.get("/me/portfolio")
    assert response.status_code == 200
    assert "No set is on the portfolio route yet." in response.get_data(as_text=True)
    login_as(client, people["fresh"])
    page = client.get("/review/calibration").get_data(as_text=True)
    assert "Start calibration" in page
    assert (
        session.scalar(select(Assignment).where(Assignment.reviewer_id == people["fresh"].id))
        is None
    )


def test_the_write_listener_sees_writes(app, session):
    """The listener the crawl relies on does catch an UPDATE (so an empty list means none)."""
    with writes_recorded(db.engine_for(app)) as writes:
        user = make_user(session, "someone@example.org")
        user.name = "Changed"
        session.flush()
    assert any(w.upper().startswith("UPDATE") for w in writes)
