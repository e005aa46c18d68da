"""Notifications people control (issue 15.2): every email to a person is also a notification in
the app with a link to its page; per kind, an email at once, a daily digest, or none; one-click
unsubscribe (RFC 8058) on every email that is not always sent."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from portfolio.domain.errors import InvalidInput
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.notifications import Delivery, Kind
from portfolio.models import (
    Assignment,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Role,
)
from portfolio.models.base import utcnow
from portfolio.services import digests, notifications
from portfolio.services.enrollment.reminders import send_resubmission_reminders
from portfolio.services.reviewing import assignments, emails
from portfolio.web import clock
from tests.helpers import login_as, make_user, post_form
from tests.review_fixtures import make_world, submit

TODAY = clock.today()


def header(message, name):
    """A header as sent, unfolded."""
    value = message[name]
    return None if value is None else re.sub(r"\s+", "", str(value))


def unsubscribe_path(message):
    value = header(message, "List-Unsubscribe")
    assert value and value.startswith("<http://localhost/notifications/unsubscribe/"), value
    return urlsplit(value.strip("<>")).path


def notes_of(session, user):
    return session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def preference(session, user, kind):
    return session.scalar(
        select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )


def assign(session, reviewers=2):
    world = make_world(session, reviewers=reviewers)
    assignments.assign_for_submission(session, world.submission, TODAY)
    return world


def assignment_of(session, reviewer):
    return session.scalar(select(Assignment).where(Assignment.reviewer_id == reviewer.id))


def tell_assigned(session, reviewer, assignment_id=None):
    emails.new_assignment(
        session,
        reviewer=reviewer,
        set_name="Another set",
        attempt=1,
        due_on=TODAY + timedelta(days=21),
        kind="review",
        assignment_id=assignment_id,
    )


def test_an_assignment_is_a_linked_notification_and_an_email_with_one_click_unsubscribe(
    client, session, mailbox
):
    world = assign(session)
    session.commit()
    reviewer = world.reviewers[0]
    assignment = assignment_of(session, reviewer)
    (message,) = mailbox.to(reviewer.email)
    body = mailbox.body(message)
    assert f"http://localhost/review/assignments/{assignment.id}" in body
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    path = unsubscribe_path(message)
    assert f"Stop emails about reviews assigned to you: http://localhost{path}" in body
    assert "Choose which emails you get: http://localhost/account/notifications" in body

    (note,) = notes_of(session, reviewer)
    assert (note.kind, note.link, note.read_at) == (
        Kind.REVIEW_ASSIGNED,
        f"/review/assignments/{assignment.id}",
        None,
    )
    login_as(client, reviewer)
    home = client.get("/notifications").get_data(as_text=True)
    assert 'data-unread-count>1</span><span class="visually-hidden"> unread' in home
    assert f'<a href="/review/assignments/{assignment.id}">New review: Core skills</a>' in home


def test_the_unsubscribe_link_asks_first_then_a_one_click_post_turns_the_kind_off(
    client, session, mailbox
):
    world = assign(session)
    session.commit()
    reviewer = world.reviewers[0]
    path = unsubscribe_path(mailbox.to(reviewer.email)[0])

    page = client.get(path)  # signed out: the token is the proof
    assert page.status_code == 200
    assert "Stop emailing reviewer1@example.org about" in page.get_data(as_text=True)
    assert preference(session, reviewer, Kind.REVIEW_ASSIGNED) is None  # a GET never writes

    # What a mail program sends (RFC 8058): no CSRF token, no session.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "will get no more emails about" in done.get_data(as_text=True)
    assert preference(session, reviewer, Kind.REVIEW_ASSIGNED) is Delivery.OFF

    mailbox.clear()
    tell_assigned(session, reviewer)
    session.commit()
    assert mailbox.to(reviewer.email) == []
    assert notes_of(session, reviewer)[-1].title == "New review: Another set"


def test_off_sends_nothing_but_the_notification_still_appears(client, session, mailbox):
    reviewer = make_user(session, "quiet.reviewer@example.org", roles=(Role.REVIEWER,))
    session.commit()
    login_as(client, reviewer)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Reviews assigned to you" in page and "Courses not verified" not in page
    saved = post_form(
        client,
        "/account/notifications",
        {"review_assigned": "off", "review_reminder": "digest"},
        follow_redirects=True,
    )
    assert "Your email choices are saved." in saved.get_data(as_text=True)
    assert preference(session, reviewer, Kind.REVIEW_ASSIGNED) is Delivery.OFF

    tell_assigned(session, reviewer, assignment_id=None)
    session.commit()
    assert mailbox.to(reviewer.email) == []
    listing = client.get("/notifications").get_data(as_text=True)
    assert "New review: Another set" in listing
    assert "data-unread-count>1</span>" in listing


def test_kinds_that_must_be_sent_ignore_off_and_carry_no_unsubscribe(client, session, mailbox):
    world = make_world(session, reviewers=2)
    candidate = world.candidate
    # Even a stored "off" (not choosable on the page) cannot silence an outcome.
    session.add(
        NotificationPreference(user_id=candidate.id, kind=Kind.OUTCOME, delivery=Delivery.OFF)
    )
    session.flush()
    with_pair = assignments.assign_for_submission(session, world.submission, TODAY)
    assert with_pair is not None
    pair = session.scalars(
        select(Assignment).where(Assignment.submission_id == world.submission.id)
    ).all()
    for assignment in pair:
        submit(session, world, assignment, "partially_met")
    session.commit()
    (outcome,) = [m for m in mailbox.to(candidate.email) if "Outcome" in m["Subject"]]
    assert outcome["List-Unsubscribe"] is None
    assert "Stop emails" not in mailbox.body(outcome)
    assert [n.kind for n in notes_of(session, candidate)] == [Kind.OUTCOME]

    login_as(client, candidate)
    refused = post_form(client, "/account/notifications", {"outcome": "off"})
    assert refused.status_code == 302  # not a field of the form: nothing to change
    assert preference(session, candidate, Kind.OUTCOME) is Delivery.OFF  # the stored row only
    try:
        notifications.set_preferences(session, candidate, {"decision": "off"})
    except InvalidInput as exc:
        assert exc.field == "decision" and "always emailed" in exc.message
    else:
        raise AssertionError("a must-send kind was turned off")


def test_a_bad_choice_on_the_form_is_a_clear_422(client, session):
    reviewer = make_user(session, "choosy@example.org", roles=(Role.REVIEWER,))
    session.commit()
    login_as(client, reviewer)
    response = post_form(client, "/account/notifications", {"review_assigned": "hourly"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert preference(session, reviewer, Kind.REVIEW_ASSIGNED) is None


def test_a_tampered_unsubscribe_token_is_a_clear_400_and_changes_nothing(client, session, mailbox):
    world = assign(session)
    session.commit()
    path = unsubscribe_path(mailbox.to(world.reviewers[0].email)[0])
    token = path.rsplit("/", 1)[1]
    payload, _dot, signature = token.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for bad in (forged, "not-a-token", token[:-3]):
        url = f"/notifications/unsubscribe/{bad}"
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 400
            assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_marking_read_only_touches_ones_own_notifications(client, session):
    mine = make_user(session, "mine@example.org", roles=(Role.REVIEWER,))
    theirs = make_user(session, "theirs@example.org", roles=(Role.REVIEWER,))
    tell_assigned(session, mine, 5)
    tell_assigned(session, mine, 6)
    tell_assigned(session, theirs, 7)
    session.commit()
    (other,) = notes_of(session, theirs)
    first, _second = notes_of(session, mine)
    login_as(client, mine)

    response = post_form(client, f"/notifications/{other.id}/read", {}, page="/notifications")
    assert response.status_code == 404
    session.refresh(other)
    assert other.read_at is None

    response = post_form(client, f"/notifications/{first.id}/read", {}, page="/notifications")
    assert response.status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert "data-unread-count>1</span>" in page
    post_form(client, "/notifications/read", {}, page="/notifications")
    page = client.get("/notifications").get_data(as_text=True)
    assert "data-unread-count" not in page and "Nothing unread." in page
    session.refresh(other)
    assert other.read_at is None  # "mark all" was only mine


def test_the_digest_gathers_the_day_into_one_email_and_a_second_run_sends_nothing(
    client, session, mailbox
):
    reviewer = make_user(session, "digest.reader@example.org", roles=(Role.REVIEWER,))
    notifications.choose(session, reviewer.id, Kind.REVIEW_ASSIGNED, Delivery.DIGEST)
    tell_assigned(session, reviewer, 11)
    tell_assigned(session, reviewer, 12)
    session.commit()
    assert mailbox.to(reviewer.email) == []  # waiting for the digest

    now = utcnow()
    assert digests.send_digests(session, now) == 1
    assert digests.send_digests(session, now) == 0  # the job ran twice: sent once
    session.commit()
    assert digests.send_digests(session, now + timedelta(days=1)) == 0
    session.commit()
    (digest,) = mailbox.to(reviewer.email)
    assert digest["Subject"] == "Your Portfolio digest: 2 notifications"
    body = mailbox.body(digest)
    assert body.count("New review: Another set") == 2
    assert "http://localhost/review/assignments/11" in body
    assert "http://localhost/review/assignments/12" in body
    assert header(digest, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"

    # A new one the next day comes in the next digest, once; its unsubscribe turns the kind off.
    tell_assigned(session, reviewer, 13)
    session.commit()
    later = utcnow()
    assert digests.send_digests(session, later) == 1
    session.commit()
    second = mailbox.to(reviewer.email)[-1]
    assert "assignments/13" in mailbox.body(second) and "assignments/11" not in mailbox.body(second)
    assert client.post(unsubscribe_path(second)).status_code == 200
    assert preference(session, reviewer, Kind.REVIEW_ASSIGNED) is Delivery.OFF


def test_a_kind_turned_off_before_the_digest_is_left_out(session, mailbox):
    reviewer = make_user(session, "changed.mind@example.org", roles=(Role.REVIEWER,))
    notifications.choose(session, reviewer.id, Kind.REVIEW_ASSIGNED, Delivery.DIGEST)
    tell_assigned(session, reviewer, 21)
    notifications.choose(session, reviewer.id, Kind.REVIEW_ASSIGNED, Delivery.OFF)
    session.commit()
    assert digests.send_digests(session, utcnow()) == 0
    session.commit()
    assert mailbox.to(reviewer.email) == []
    assert len(notes_of(session, reviewer)) == 1


def test_the_same_event_is_told_once(session, mailbox):
    reviewer = make_user(session, "once@example.org", roles=(Role.REVIEWER,))
    for _ in range(2):
        notifications.notify(
            session,
            user=reviewer,
            kind=Kind.REVIEW_REMINDER,
            subject="Review due",
            body="b",
            key="test.reminder:1",
        )
    session.commit()
    assert len(notes_of(session, reviewer)) == 1
    assert len(mailbox.to(reviewer.email)) == 1


def world_not_yet_met(session):
    world = make_world(session, reviewers=2)
    assignments.assign_for_submission(session, world.submission, TODAY)
    for assignment in session.scalars(
        select(Assignment).where(Assignment.submission_id == world.submission.id)
    ):
        submit(session, world, assignment, "partially_met")
    assert world.enrollment_set.status == SetLifecycle.NOT_YET_MET
    world.enrollment.window_ends_on = TODAY + timedelta(days=400)
    session.commit()
    return world


def resubmission_reminders(mailbox, email):
    return [m for m in mailbox.to(email) if "resubmission" in m["Subject"]]


def test_a_resubmission_not_made_is_reminded_once_per_step(client, session, mailbox):
    world = world_not_yet_met(session)
    assert send_resubmission_reminders(session, TODAY + timedelta(days=29)) == 0
    day30 = TODAY + timedelta(days=30)
    assert send_resubmission_reminders(session, day30) == 1
    assert send_resubmission_reminders(session, day30) == 0  # the job ran twice: sent once
    session.commit()
    (email,) = resubmission_reminders(mailbox, world.candidate.email)
    assert email["Subject"] == "Your resubmission of Core skills is not made yet"
    body = mailbox.body(email)
    assert f"http://localhost/me/outcomes/{world.submission.id}" in body
    assert header(email, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    (note,) = [n for n in notes_of(session, world.candidate) if n.kind is Kind.DEADLINE_REMINDER]
    assert note.link == f"/me/outcomes/{world.submission.id}"

    day90 = TODAY + timedelta(days=95)
    assert send_resubmission_reminders(session, day90) == 1
    assert send_resubmission_reminders(session, day90) == 0
    session.commit()
    assert len(resubmission_reminders(mailbox, world.candidate.email)) == 2


def test_no_resubmission_reminder_once_resubmitted_or_after_the_window(session, mailbox):
    world = world_not_yet_met(session)
    world.enrollment.window_ends_on = TODAY + timedelta(days=20)
    session.commit()
    assert send_resubmission_reminders(session, TODAY + timedelta(days=30)) == 0  # ended
    world.enrollment.window_ends_on = TODAY + timedelta(days=400)
    world.enrollment_set.status = SetLifecycle.RESUBMITTED
    session.commit()
    assert send_resubmission_reminders(session, TODAY + timedelta(days=30)) == 0
    session.commit()
    assert resubmission_reminders(mailbox, world.candidate.email) == []


def test_the_digest_and_resubmission_reminders_run_daily_on_the_beat_schedule(app):
    from portfolio.jobs.schedule import beat_schedule

    schedule = beat_schedule(app.config)
    for name, at in (
        ("portfolio.jobs.notifications.send_digests", ({7}, {0})),
        ("portfolio.jobs.enrollment.remind_resubmissions", ({6}, {25})),
    ):
        entry = schedule[name]
        assert entry["task"] == name and name in app.extensions["celery"].tasks
        assert (entry["schedule"].hour, entry["schedule"].minute) == at


def test_account_emails_without_an_account_make_no_notification(session, mailbox, client):
    from tests.helpers import register

    register(client, "fresh.person@example.org")
    (message,) = mailbox.to("fresh.person@example.org")
    assert message["List-Unsubscribe"] is None  # account security is always sent
    assert session.scalar(select(func.count()).select_from(Notification)) == 0
    row = session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "fresh.person@example.org")
    )
    assert row.kind == "account_security"


def test_the_digest_command_for_cron_sends_once_however_often_it_runs(app, session, mailbox):
    reviewer = make_user(session, "cron.reader@example.org", roles=(Role.REVIEWER,))
    notifications.choose(session, reviewer.id, Kind.REVIEW_REMINDER, Delivery.DIGEST)
    notifications.notify(
        session, user=reviewer, kind=Kind.REVIEW_REMINDER, subject="Review due soon", body="b"
    )
    session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "digest"])
    again = runner.invoke(args=["notifications", "digest"])
    assert first.output.strip() == "Queued 1 digest." and first.exit_code == 0
    assert again.output.strip() == "Queued 0 digests."
    (digest,) = mailbox.to(reviewer.email)
    assert "- Review due soon" in mailbox.body(digest)
