"""Reminder emails a few days before and on the due date, and the `flask reviews` commands."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portfolio.domain.dates import format_day_month
from portfolio.models import Assignment, OutcomeStatus, ReviewShortfall, SetOutcomeRecord
from portfolio.services.reviewing import assignments
from tests.helpers import pending_emails
from tests.review_fixtures import make_reviewer, make_world, submit

ASSIGNED_ON = date(2025, 1, 6)
DUE = ASSIGNED_ON + timedelta(days=21)


def in_review(session, **kwargs):
    world = make_world(session, **kwargs)
    assignments.assign_for_submission(session, world.submission, ASSIGNED_ON)
    session.commit()
    pair = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    return world, pair


@pytest.fixture
def cli(app, session):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["reviews", *args])


def subjects(mailbox, address):
    return [m["Subject"] for m in mailbox.to(address)]


def test_no_reminder_while_the_due_date_is_far(session):
    in_review(session)
    assert assignments.send_review_reminders(session, DUE - timedelta(days=4)) == 0


def test_one_reminder_a_few_days_before_and_one_on_the_day(session, mailbox):
    _world, (a, _b) = in_review(session)
    mailbox.clear()
    version = a.version
    assert assignments.send_review_reminders(session, DUE - timedelta(days=3)) == 2
    assert assignments.send_review_reminders(session, DUE - timedelta(days=3)) == 0  # same day
    assert assignments.send_review_reminders(session, DUE - timedelta(days=1)) == 0
    assert assignments.send_review_reminders(session, DUE) == 2
    assert assignments.send_review_reminders(session, DUE + timedelta(days=2)) == 0
    session.commit()
    assert subjects(mailbox, a.reviewer.email) == [
        f"Review due on {format_day_month(DUE)}: Core skills",
        "Review due today: Core skills",
    ]
    bodies = [mailbox.body(m) for m in mailbox.to(a.reviewer.email)]
    assert "due in 3 days" in bodies[0] and "due today" in bodies[1]
    assert all(f"http://localhost/review/assignments/{a.id}" in body for body in bodies)
    session.refresh(a)
    assert a.reminded_on == DUE and a.version == version  # an open tab stays current


def test_submitted_reviews_get_no_reminder(session):
    world, (a, _b) = in_review(session)
    submit(session, world, a, "met", today=ASSIGNED_ON)
    assert assignments.send_review_reminders(session, DUE) == 1


def test_an_overdue_review_never_reminded_gets_one_reminder(session, mailbox):
    _world, (a, _b) = in_review(session)
    assert assignments.send_review_reminders(session, DUE + timedelta(days=5)) == 2
    assert assignments.send_review_reminders(session, DUE + timedelta(days=6)) == 0
    session.commit()
    (message,) = mailbox.to(a.reviewer.email)[-1:]
    assert "is overdue" in mailbox.body(message)


def test_cli_remind_sends_after_committing(cli, session, mailbox):
    _world, (_a, b) = in_review(session)
    mailbox.clear()
    result = cli("remind", "--today", str(DUE))
    assert result.exit_code == 0, result.output
    assert "Sent 2 review reminders." in result.output
    assert subjects(mailbox, b.reviewer.email) == ["Review due today: Core skills"]


def test_cli_rejects_a_bad_date(cli, session):
    result = cli("remind", "--today", "31/12/2025")
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_cli_assign_waiting(cli, session):
    _world, _pair = in_review(session, reviewers=0)
    make_reviewer(session, "late.a@example.org")
    make_reviewer(session, "late.b@example.org")
    session.commit()
    result = cli("assign-waiting", "--today", str(ASSIGNED_ON))
    assert result.exit_code == 0, result.output
    assert "1 waiting submission now fully assigned." in result.output
    assert session.scalar(select(ReviewShortfall)) is None


def test_cli_close_expired(cli, session):
    world, (a, b) = in_review(session)
    submit(session, world, a, "not_met", today=ASSIGNED_ON)
    submit(session, world, b, "not_met", today=ASSIGNED_ON)
    session.commit()
    after = world.enrollment.window_ends_on + timedelta(days=1)
    result = cli("close-expired", "--today", str(after))
    assert result.exit_code == 0, result.output
    assert "Closed 1 set." in result.output
    outcome = session.scalar(select(SetOutcomeRecord))
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.CLOSED_NOT_MET


def test_the_outbox_is_dropped_when_the_work_is_rolled_back(session, mailbox):
    in_review(session)
    mailbox.clear()
    assignments.send_review_reminders(session, DUE)
    assert len(pending_emails(session)) == 2
    session.rollback()
    session.commit()
    assert mailbox.messages == []
