"""Candidates are reminded when their completion window is ending with sets still open, and
of a resubmission not made yet (issue 15.2): once per reminder, however often the job runs."""

from __future__ import annotations

from datetime import timedelta

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import EnrollmentStatus
from portfolio.services.enrollment.reminders import send_window_reminders
from portfolio.web import clock
from tests.review_fixtures import make_world


def reminders_to(mailbox, email):
    return [m for m in mailbox.to(email) if "window ends on" in m["Subject"]]


def test_a_window_ending_with_sets_open_is_reminded_once_per_step(session, mailbox):
    world = make_world(session, reviewers=0, status=SetLifecycle.NOT_YET_MET)
    enrollment = world.enrollment_set.enrollment
    today = clock.today()
    enrollment.window_ends_on = today + timedelta(days=80)  # inside the 3-month step
    session.commit()

    assert send_window_reminders(session, today) == 1
    assert send_window_reminders(session, today) == 0  # the job ran twice: sent once
    session.commit()
    (email,) = reminders_to(mailbox, world.candidate.email)
    body = mailbox.body(email)
    assert "in about 3 months" in body
    assert "Still to be met" in body
    assert "Still to resubmit, with the reviewers' comments: Core skills." in body
    assert "http://localhost/me/" in body

    # A month later the last step comes, once.
    later = enrollment.window_ends_on - timedelta(days=20)
    assert send_window_reminders(session, later) == 1
    assert send_window_reminders(session, later) == 0
    session.commit()
    assert len(reminders_to(mailbox, world.candidate.email)) == 2


def test_nobody_is_reminded_too_early_after_the_window_or_once_certified(session, mailbox):
    world = make_world(session, reviewers=0)
    enrollment = world.enrollment_set.enrollment
    today = clock.today()
    enrollment.window_ends_on = today + timedelta(days=400)  # more than 6 months away
    session.commit()
    assert send_window_reminders(session, today) == 0
    enrollment.window_ends_on = today - timedelta(days=1)  # ended
    session.commit()
    assert send_window_reminders(session, today) == 0
    enrollment.window_ends_on = today + timedelta(days=20)
    enrollment.status = EnrollmentStatus.CERTIFIED
    session.commit()
    assert send_window_reminders(session, today) == 0
    session.commit()
    assert reminders_to(mailbox, world.candidate.email) == []


def test_the_reminders_run_daily_on_the_beat_schedule(app):
    from portfolio.jobs.schedule import beat_schedule

    entry = beat_schedule(app.config)["portfolio.jobs.enrollment.remind_windows"]
    assert entry["task"] == "portfolio.jobs.enrollment.remind_windows"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {20})
    assert "portfolio.jobs.enrollment.remind_windows" in app.extensions["celery"].tasks
