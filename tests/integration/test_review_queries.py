"""Review pages issue the same number of SQL queries whatever the amount of data."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.extensions import db
from portfolio.models import Assignment, AssignmentStatus, EnrollmentSet, Role, Route
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.review_fixtures import make_candidate, make_reviewer, make_submission, make_world

TODAY = clock.today()
IGNORED = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


@contextmanager
def counting(app):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(IGNORED):
            statements.append(statement)

    engine = db.engine_for(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


class Scene:
    """One reviewer pair and a growing number of candidates' submissions of the same set."""

    def __init__(self, session, *, capacity: int = 50, reviewers: bool = True):
        self.session = session
        self.world = make_world(session, reviewers=0)
        self.reviewer = (
            make_reviewer(session, "busy@example.org", capacity=capacity) if reviewers else None
        )
        self.partner = (
            make_reviewer(session, "partner@example.org", capacity=capacity) if reviewers else None
        )
        self.count = 0
        self.add(1, submission=self.world.submission)

    def add(self, how_many: int, *, submission=None, on: date = TODAY) -> None:
        for _ in range(how_many):
            if submission is None:
                self.count += 1
                _candidate, enrollment = make_candidate(
                    self.session,
                    self.world.framework,
                    email=f"c{self.count}@example.org",
                    library=f"Library {self.count}",
                )
                enrollment_set = EnrollmentSet(
                    enrollment=enrollment,
                    set_id=self.world.core.id,
                    route=Route.PORTFOLIO,
                    status=SetLifecycle.SUBMITTED,
                )
                self.session.add(enrollment_set)
                self.session.flush()
                target = make_submission(self.session, enrollment_set)
            else:
                target = submission
            assignments.assign_for_submission(self.session, target, on)
            submission = None
        if self.reviewer is None:
            self.session.commit()
            return
        # Every other one finished, so both lists of the queue have rows.
        mine = self.session.scalars(
            select(Assignment)
            .where(Assignment.reviewer_id == self.reviewer.id)
            .order_by(Assignment.id)
        ).all()
        for assignment in mine[::2]:
            assignment.status = AssignmentStatus.SUBMITTED
        self.session.commit()

    @property
    def assignments(self) -> int:
        return len(
            self.session.scalars(
                select(Assignment).where(Assignment.reviewer_id == self.reviewer.id)
            ).all()
        )


def measure(app, client, url: str) -> tuple[int, str]:
    client.get(url)  # first request of the signed-in session does extra work
    with counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_the_reviewer_queue_costs_the_same_at_2_and_20_assignments(app, client, session):
    scene = Scene(session)
    scene.add(1)
    login_as(client, scene.reviewer)
    small, page = measure(app, client, "/review/")
    assert scene.assignments == 2 and page.count("Core skills") == 2
    scene.add(18)
    large, page = measure(app, client, "/review/")
    assert scene.assignments == 20 and page.count("Core skills") == 20
    assert large == small
    assert small <= 6


def test_the_scoring_screen_costs_the_same_whatever_else_exists(app, client, session):
    scene = Scene(session)
    login_as(client, scene.reviewer)
    first = session.scalar(select(Assignment).where(Assignment.reviewer_id == scene.reviewer.id))
    first.status = AssignmentStatus.ASSIGNED
    session.commit()
    url = f"/review/assignments/{first.id}"
    small, _page = measure(app, client, url)
    scene.add(10)
    first.status = AssignmentStatus.ASSIGNED
    session.commit()
    large, _page = measure(app, client, url)
    assert large == small


def test_the_overdue_queue_costs_the_same_at_any_size(app, client, session):
    scene = Scene(session)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    scene.add(1, on=date(2024, 1, 1))
    few, page = measure(app, client, "/admin/reviews/overdue")
    rows = page.count("Core skills")
    assert rows >= 1
    scene.add(8, on=date(2024, 1, 1))
    many, page = measure(app, client, "/admin/reviews/overdue")
    assert page.count("Core skills") >= rows + 8 and many == few


def test_the_unassigned_queue_costs_the_same_at_any_size(app, client, session):
    scene = Scene(session, reviewers=False)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    few, page = measure(app, client, "/admin/reviews/unassigned")
    assert page.count("Core skills") == 1
    scene.add(9)
    many, page = measure(app, client, "/admin/reviews/unassigned")
    assert page.count("Core skills") == 10 and many == few
