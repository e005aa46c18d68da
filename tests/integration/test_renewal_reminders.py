"""The daily renewal job: reminders at 12, 6, 3 and 1 months before expiry, on the day and at
the end of grace, each sent once however often it runs; after the grace period the certificate
lapses, and its public page, its credential and the status list say so."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.certification.status_list import decode_list
from portfolio.domain.dates import add_months
from portfolio.models import AuditEvent, RenewalApplication
from portfolio.models.base import utcnow
from portfolio.services.renewal.reminders import lapse_unrenewed, send_renewal_reminders
from tests.renewal_fixtures import TODAY, another_holder, holder_in_window


def renewal_emails(mailbox, email):
    return [m for m in mailbox.to(email) if m["Subject"].startswith("Renew your")]


def test_each_reminder_goes_once_however_often_the_job_runs(session, mailbox):
    holder = holder_in_window(session, expires_in_days=80)  # past the 3-month reminder
    expires_on = holder.certificate.expires_on
    assert send_renewal_reminders(session, TODAY) == 1
    assert send_renewal_reminders(session, TODAY) == 0  # run twice: sent once
    session.commit()
    (email,) = renewal_emails(mailbox, holder.user.email)
    body = mailbox.body(email)
    assert "in about 3 months" in body
    assert "record 32 contact hours of continuing education (at least 4 on technology)" in body
    assert f"http://localhost/me/certificates/{holder.certificate.id}/renewal" in body

    # Later steps come once each: a month before, on the day, and the last day of grace.
    for day, words in (
        (add_months(expires_on, -1), "in about 1 months"),
        (expires_on, "expires today"),
        (add_months(expires_on, 2), "today is the last day of its grace period"),
    ):
        assert send_renewal_reminders(session, day) == 1
        assert send_renewal_reminders(session, day) == 0
        session.commit()
        assert words in mailbox.body(renewal_emails(mailbox, holder.user.email)[-1])
    assert len(renewal_emails(mailbox, holder.user.email)) == 4


def test_nobody_is_reminded_too_early_or_once_they_applied(session, mailbox):
    early = holder_in_window(session, expires_in_days=400)
    assert send_renewal_reminders(session, TODAY) == 0
    early.certificate.expires_on = TODAY + timedelta(days=100)
    session.add(
        RenewalApplication(
            certificate_id=early.certificate.id,
            user_id=early.user.id,
            cycle_expires_on=early.certificate.expires_on,
            submitted_at=utcnow(),
        )
    )
    session.commit()
    assert send_renewal_reminders(session, TODAY) == 0
    session.commit()
    assert renewal_emails(mailbox, early.user.email) == []


def test_after_the_grace_period_the_certificate_lapses_everywhere(client, session, mailbox):
    holder = holder_in_window(session, expires_in_days=-70)  # grace (2 months) is over
    certificate = holder.certificate
    public = client.get(f"/certificates/{certificate.number}").get_data(as_text=True)
    assert "Status: <strong>Expired on" in public and "not renewed" not in public

    assert lapse_unrenewed(session, TODAY, utcnow()) == 1
    assert lapse_unrenewed(session, TODAY, utcnow()) == 0  # run twice: lapsed once
    session.commit()
    grace_end = add_months(certificate.expires_on, 2)
    assert certificate.lapsed_on == grace_end + timedelta(days=1)
    public = client.get(f"/certificates/{certificate.number}").get_data(as_text=True)
    assert ", not renewed</strong>" in public
    status_list = json.loads(client.get("/credentials/status/1").get_data(as_text=True))
    assert certificate.status_index in decode_list(status_list["credentialSubject"]["encodedList"])
    lapsed = session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.CERTIFICATE_LAPSED)
    ).all()
    assert [e.object_id for e in lapsed] == [str(certificate.id)]
    subjects = [m["Subject"] for m in mailbox.to(holder.user.email)]
    assert subjects.count("Your Test Program certificate has lapsed") == 1


def test_a_renewal_made_in_time_waits_for_the_office_instead_of_lapsing(session):
    holder = holder_in_window(session, expires_in_days=-70)
    session.add(
        RenewalApplication(
            certificate_id=holder.certificate.id,
            user_id=holder.user.id,
            cycle_expires_on=holder.certificate.expires_on,
            submitted_at=utcnow() - timedelta(days=40),
        )
    )
    session.commit()
    assert lapse_unrenewed(session, TODAY, utcnow()) == 0
    assert holder.certificate.lapsed_on is None


def test_the_job_runs_daily_on_the_beat_schedule(app):
    from portfolio.jobs.schedule import beat_schedule

    entry = beat_schedule(app.config)["portfolio.jobs.renewal.remind_renewals"]
    assert entry["task"] == "portfolio.jobs.renewal.remind_renewals"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {30})
    assert "portfolio.jobs.renewal.remind_renewals" in app.extensions["celery"].tasks


def test_the_daily_work_runs_from_cron_too_once(app, session, mailbox):
    holder = holder_in_window(session, expires_in_days=-70)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["certificates", "remind-renewals"])
    assert first.exit_code == 0, first.output
    assert "Lapsed 1; reminded 0." in first.output
    second = runner.invoke(args=["certificates", "remind-renewals"])
    assert "Lapsed 0; reminded 0." in second.output
    session.expire_all()
    assert holder.certificate.lapsed_on is not None
    bad = runner.invoke(args=["certificates", "remind-renewals", "--today", "someday"])
    assert bad.exit_code != 0 and "use the form YYYY-MM-DD" in bad.output


def test_the_celery_job_lapses_and_reminds(app, session, mailbox):
    # This app's own task queue (the job runs in this app's context, on its database).
    remind_renewals = app.extensions["celery"].tasks["portfolio.jobs.renewal.remind_renewals"]
    lapsing = holder_in_window(session, expires_in_days=-70)
    due = another_holder(session, lapsing, email="due@example.org")
    due.certificate.expires_on = TODAY + timedelta(days=20)
    session.commit()
    assert remind_renewals.apply().get() == {"lapsed": 1, "reminded": 1}
    assert remind_renewals.apply().get() == {"lapsed": 0, "reminded": 0}
    assert len(renewal_emails(mailbox, due.user.email)) == 1
