"""`flask notifications digest|remind-resubmissions`: the daily notification jobs, for cron when
there is no task queue (with one, beat runs portfolio.jobs.notifications and .enrollment)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services import digests
from portfolio.services.enrollment import reminders


@click.group("notifications")
def notifications_group() -> None:
    """Notification emails: the daily digest and candidates' resubmission reminders."""


@notifications_group.command("digest")
@with_appcontext
def digest() -> None:
    """Email each person one digest of the notifications waiting for it (twice: sent once)."""
    session = db.session
    count = digests.send_digests(session, utcnow())
    session.commit()
    click.echo(f"Queued {count} digest{'s' if count != 1 else ''}.")


@notifications_group.command("remind-resubmissions")
@with_appcontext
def remind_resubmissions() -> None:
    """Remind candidates of sets "not yet met" and not resubmitted, 30 and 90 days after."""
    session = db.session
    count = reminders.send_resubmission_reminders(session, utcnow().date())
    session.commit()
    click.echo(f"Queued {count} resubmission reminder{'s' if count != 1 else ''}.")


commands = [notifications_group]
