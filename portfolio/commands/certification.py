"""`flask --app portfolio certification evaluate --all`: decide every active enrollment the
rule now decides (services.certification.batch_evaluation), in one batch.

Idempotent: run again, it records nothing new. Commits once; the emails it queued go out after.
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.certification.batch_evaluation import evaluate_all


@click.group("certification")
def certification_group() -> None:
    """Certification decisions."""


def _day(value: str | None) -> date:
    if not value:
        return utcnow().date()  # the app counts days in UTC, whatever the server's zone
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint="--today") from None


@certification_group.command("evaluate")
@click.option("--all", "everyone", is_flag=True, help="Evaluate every active enrollment.")
@click.option("--today", "today", default=None, help="Run as of this day (YYYY-MM-DD).")
@with_appcontext
def evaluate(everyone: bool, today: str | None) -> None:
    """Record the decision of every active enrollment the rule now decides: certified (with
    the certificate, its signed credential and an email) or, after the window, not certified."""
    if not everyone:
        raise click.UsageError("Say --all: the batch evaluates every active enrollment.")
    day = _day(today)
    session = db.session
    outcome = evaluate_all(session, day)
    session.commit()
    click.echo(
        f"Evaluated {outcome.evaluated} active enrollment{'s' if outcome.evaluated != 1 else ''}"
        f": {outcome.certified} certified, {outcome.not_certified} not certified, "
        f"{outcome.still_open} still open."
    )


commands = [certification_group]
