"""`flask reports retally|check`: the progress tallies the cohort and funnel reports read.

Triggers keep each enrollment's tally in step with its sets and submissions (models.progress);
`retally` recounts them all (after a change to what a counter counts), `check` only compares.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portfolio.extensions import db
from portfolio.services.reporting import progress


@click.group("reports")
def reports_group() -> None:
    """The tallies behind the administrators' reports."""


@reports_group.command("retally")
@with_appcontext
def retally() -> None:
    """Recount every enrollment's progress tally from its sets and submissions."""
    session = db.session
    enrollments = progress.rebuild(session)
    session.commit()
    click.echo(f"Recounted {enrollments} enrollment{'s' if enrollments != 1 else ''}.")


@reports_group.command("check")
@with_appcontext
def check() -> None:
    """Compare every tally with a recount; exit status 1 when one differs."""
    wrong = progress.drifted(db.session)
    db.session.rollback()
    if wrong:
        shown = ", ".join(str(enrollment_id) for enrollment_id in wrong[:20])
        click.echo(f"{len(wrong)} tallies differ from their rows (enrollments {shown}).")
        raise SystemExit(1)
    click.echo("Every enrollment's tally agrees with its sets and submissions.")


commands = [reports_group]
