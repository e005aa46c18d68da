"""`flask demo` after LSSCP is published (as `make run` does): work to try every screen with."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portfolio.commands.demo import DEMO_ACCOUNTS
from portfolio.commands.demo_data import LINKS, NARRATIVES, STATEMENT
from portfolio.models import (
    Application,
    ApplicationStatus,
    Artifact,
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    AuditEvent,
    Enrollment,
    EnrollmentSet,
    Portfolio,
    ReviewerProfile,
    ReviewShortfall,
    Route,
    Submission,
    SupervisorLink,
    User,
)
from tests.framework_documents import LSSCP_PATH
from tests.helpers import sign_in

PASSWORDS = {email: password for email, _name, _role, password in DEMO_ACCOUNTS}
CANDIDATE, REVIEWER = "candidate@demo.example", "reviewer@demo.example"
ADMIN, SUPERVISOR = "admin@demo.example", "supervisor@demo.example"
COUNTED = (
    Application,
    Enrollment,
    EnrollmentSet,
    Portfolio,
    Artifact,
    Submission,
    Assignment,
    ReviewShortfall,
    ReviewerProfile,
    SupervisorLink,
    AuditEvent,
)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def publish_lsscp(app) -> None:
    result = run(app, "frameworks", "import", str(LSSCP_PATH), "--publish")
    assert result.exit_code == 0, result.output


def counts(session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) for model in COUNTED
    }


def user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def demo_submission(session) -> Submission:
    return session.scalars(
        select(Submission)
        .join(EnrollmentSet, EnrollmentSet.id == Submission.enrollment_set_id)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .where(Enrollment.user_id == user(session, CANDIDATE).id)
    ).one()


def table_row(page: str, heading: str) -> str:
    """The HTML of the table row whose row heading starts with `heading`."""
    for row in re.findall(r"<tr>.*?</tr>", page, re.S):
        th = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if th and re.sub(r"<[^>]+>", "", th.group(1)).strip().startswith(heading):
            return row
    raise AssertionError(f"no row for {heading}")


@pytest.fixture
def demo(app, session):
    publish_lsscp(app)
    result = run(app, "demo")
    assert result.exit_code == 0, result.output
    return result


def test_the_candidate_is_enrolled_with_six_sets_tech_met_by_a_providers_roster(demo, session):
    candidate = user(session, CANDIDATE)
    application = session.scalars(select(Application).where(Application.user_id == candidate.id))
    assert application.one().status == ApplicationStatus.APPROVED
    enrollment = session.scalars(select(Enrollment).where(Enrollment.user_id == candidate.id)).one()
    routes = {item.competency_set.code: item.route for item in enrollment.sets}
    sets = ["FOUND", "COMM", "TECH", "CAT", "REF", "YOUTH"]  # three required, three electives
    # TECH was met by the demo provider's roster (commands.demo_courses); the rest by portfolio.
    assert routes == {**dict.fromkeys(sets, Route.PORTFOLIO), "TECH": Route.COURSE}
    assert "application approved, enrolled in FOUND, COMM, TECH, CAT, REF, YOUTH" in demo.output


def test_the_submitted_set_is_a_snapshot_of_the_narratives_and_links(demo, session):
    snapshot = demo_submission(session).snapshot
    assert snapshot["set"]["code"] == "COMM"
    assert snapshot["learning_statement"] == STATEMENT
    narratives = {c["code"]: c["narrative"] for c in snapshot["competencies"]}
    assert narratives == {code: text for code, text in NARRATIVES.items() if code[:4] == "COMM"}
    urls = {a["url"] for c in snapshot["competencies"] for a in c["artifacts"]}
    assert urls == {url for url, *_rest in LINKS}
    assert all(c["artifacts"] for c in snapshot["competencies"])


def test_the_reviewer_has_the_set_on_their_queue_and_can_open_it(demo, client, session):
    assignment = session.scalars(select(Assignment)).one()
    assert assignment.reviewer.email == REVIEWER
    assert assignment.kind == AssignmentKind.REVIEW
    assert assignment.status == AssignmentStatus.ASSIGNED
    assert sign_in(client, REVIEWER, PASSWORDS[REVIEWER]).status_code == 302
    queue = client.get("/review/").get_data(as_text=True)
    row = table_row(queue, "COMM: Communication and Teamwork")
    assert f'href="/review/assignments/{assignment.id}"' in row
    screen = client.get(f"/review/assignments/{assignment.id}")
    assert screen.status_code == 200
    assert NARRATIVES["COMM-04"] in screen.get_data(as_text=True)


def test_the_second_reviewer_is_missing_and_the_administrator_sees_why(demo, client, session):
    shortfall = session.scalars(select(ReviewShortfall)).one()
    assert shortfall.missing == 1
    assert "still needs 1 more reviewer" in demo.output
    assert sign_in(client, ADMIN, PASSWORDS[ADMIN]).status_code == 302
    page = client.get("/admin/reviews/unassigned").get_data(as_text=True)
    row = table_row(page, "Casey Candidate: COMM Communication and Teamwork")
    assert "<td>1 reviewer</td>" in row


def test_the_candidate_dashboard_shows_the_set_in_review(demo, client):
    assert sign_in(client, CANDIDATE, PASSWORDS[CANDIDATE]).status_code == 302
    page = client.get("/me/").get_data(as_text=True)
    assert "in review" in table_row(page, "Communication and Teamwork")
    assert "a draft" in table_row(page, "Foundations of Library Services")
    assert "met" in table_row(page, "Technology")  # by the demo provider's roster


def test_the_supervisor_follows_the_candidate(demo, client, session):
    assert sign_in(client, SUPERVISOR, PASSWORDS[SUPERVISOR]).status_code == 302
    page = client.get("/supervise/")
    assert page.status_code == 200
    candidate = session.scalar(select(User).where(User.email == CANDIDATE))
    assert f'href="/supervise/staff/{candidate.id}"' in page.get_data(as_text=True)


def test_a_second_run_changes_nothing(demo, app, session):
    before = counts(session)
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert "has applied to lsscp already; nothing changed" in second.output
    assert counts(session) == before


def test_without_a_published_framework_only_the_accounts_are_made(app, session):
    result = run(app, "demo")
    assert result.exit_code == 0, result.output
    assert "Demo portfolio skipped: no published lsscp framework exists" in result.output
    assert session.scalar(select(func.count()).select_from(Enrollment)) == 0


def test_publishing_later_and_running_again_adds_the_portfolio(app, session):
    assert run(app, "demo").exit_code == 0
    publish_lsscp(app)
    again = run(app, "demo")
    assert again.exit_code == 0, again.output
    assert f"0 created, {len(DEMO_ACCOUNTS)} already there" in again.output
    assert demo_submission(session).snapshot["set"]["code"] == "COMM"


def test_an_account_that_no_longer_fits_its_part_stops_the_portfolio_cleanly(app, session):
    assert run(app, "demo").exit_code == 0
    reviewer = user(session, REVIEWER)
    reviewer.roles.clear()  # an administrator took the reviewer role away
    session.commit()
    publish_lsscp(app)
    result = run(app, "demo")
    assert result.exit_code != 0
    assert "Demo portfolio not made: This person is not a reviewer." in result.output
    assert session.scalar(select(func.count()).select_from(Application)) == 0
