"""`flask --app portfolio outbox deliver`: send the emails that are due.

Every commit that queues mail already starts a pass; run this from cron (every minute or so) for
retries that come due later and for anything a stopped process left behind.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portfolio.extensions import db
from portfolio.services import outbox
from portfolio.services.mail import MailSettings


@click.group("outbox")
def outbox_group() -> None:
    """The email outbox."""


@outbox_group.command("deliver")
@click.option("--limit", default=500, show_default=True, help="Send at most this many emails.")
@with_appcontext
def deliver(limit: int) -> None:
    """Send the emails that are due, each at most once; failures are retried later."""
    result = outbox.deliver_due(
        db.new_session, MailSettings.from_config(current_app.config), limit=limit
    )
    click.echo(f"Sent {result.sent} email{'s' if result.sent != 1 else ''}.")
    if result.failed:
        click.echo(f"{result.failed} failed and will be retried (see /admin/outbox).")
    if result.server_down:
        raise click.ClickException("The mail server could not be reached; the rest wait.")


commands = [outbox_group]
