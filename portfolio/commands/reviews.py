"""`flask reviews remind|assign-waiting|close-expired|decide-expired|retally`: the review jobs.

The first four run daily by cron; `retally` rebuilds the quality page's tallies on demand.

Each command commits once; queued emails go out after the commit (services.reviewing.emails).
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.certification import evaluation
from portfolio.services.reviewing import assignments, outcome_changes
from portfolio.services.reviewing import tallies as review_tallies


def _day(value: str | None) -> date:
    if not value:
        return utcnow().date()  # the app counts days in UTC, whatever the server's zone
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint="--today") from None


TODAY = click.option("--today", "today", default=None, help="Run as of this day (YYYY-MM-DD).")


@click.group("reviews")
def reviews_group() -> None:
    """Review jobs: reminders, the unassigned queue, closing expired sets, tallies."""


@reviews_group.command("remind")
@TODAY
@with_appcontext
def remind(today: str | None) -> None:
    """Email reviewers whose reviews are due in a few days or today."""
    session = db.session
    count = assignments.send_review_reminders(session, _day(today))
    session.commit()
    click.echo(f"Sent {count} review reminder{'s' if count != 1 else ''}.")


@reviews_group.command("assign-waiting")
@TODAY
@with_appcontext
def assign_waiting(today: str | None) -> None:
    """Try again to find reviewers for the sets in the unassigned queue."""
    session = db.session
    done = assignments.retry_unassigned(session, _day(today))
    session.commit()
    click.echo(f"{done} waiting submission{'s' if done != 1 else ''} now fully assigned.")


@reviews_group.command("close-expired")
@TODAY
@with_appcontext
def close_expired(today: str | None) -> None:
    """Close as not met the not-yet-met sets whose completion window has ended."""
    session = db.session
    closed = outcome_changes.close_expired_sets(session, _day(today))
    session.commit()
    click.echo(f"Closed {closed} set{'s' if closed != 1 else ''}.")


commands = [reviews_group]


@reviews_group.command("decide-expired")
@TODAY
@with_appcontext
def decide_expired(today: str | None) -> None:
    """Record the decision (not certified) for enrollments whose completion window has ended."""
    session = db.session
    decided = evaluation.decide_expired(session, _day(today))
    session.commit()
    click.echo(f"Decided {decided} enrollment{'s' if decided != 1 else ''}.")


@reviews_group.command("retally")
@with_appcontext
def retally() -> None:
    """Recount the quality page's monthly tallies from the submitted reviews."""
    session = db.session
    rows = review_tallies.rebuild(session)
    session.commit()
    click.echo(f"Rebuilt the review tallies: {rows} row{'s' if rows != 1 else ''}.")
