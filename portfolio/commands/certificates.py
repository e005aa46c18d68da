"""`flask --app portfolio certificates ...`: Open Badges credentials of certificates.

`issue-credentials` signs a credential for every certificate that has none (those issued before
credentials existed; run once after upgrading, it is idempotent) and signs the status list again;
`new-signing-key` prints a fresh Ed25519 key for BADGE_SIGNING_KEYS; `remind-renewals` does the
daily renewal job's work (lapses, then reminders). Each command commits once.
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.certification import open_badges, status_lists
from portfolio.services.certification.issuer import current_issuer, new_secret_key


@click.group("certificates")
def certificates_group() -> None:
    """Certificates and their Open Badges credentials."""


@certificates_group.command("issue-credentials")
@with_appcontext
def issue_credentials() -> None:
    """Sign a credential for every certificate without one, and the status list again."""
    session = db.session
    issuer, now = current_issuer(), utcnow()
    count = open_badges.issue_missing(session, issuer, now)
    status_lists.refresh_status_list(session, issuer, now)
    session.commit()
    click.echo(f"Issued {count} credential{'s' if count != 1 else ''}; status list signed.")


@certificates_group.command("remind-renewals")
@click.option("--today", "today", default=None, help="Run as of this day (YYYY-MM-DD).")
@with_appcontext
def remind_renewals(today: str | None) -> None:
    """Lapse certificates whose renewal grace period ended, then remind holders whose renewal is
    due (the daily renewal job, for cron without a task queue); idempotent."""
    from portfolio.services.renewal import reminders

    now = utcnow()
    try:
        day = date.fromisoformat(today) if today else now.date()
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint="--today") from None
    session = db.session
    lapsed = reminders.lapse_unrenewed(session, day, now)
    reminded = reminders.send_renewal_reminders(session, day)
    session.commit()
    click.echo(f"Lapsed {lapsed}; reminded {reminded}.")


@certificates_group.command("new-signing-key")
def new_signing_key() -> None:
    """Print a new Ed25519 secret key (Multikey). Append it to BADGE_SIGNING_KEYS, keeping the
    older keys before it, so credentials they signed still verify."""
    click.echo(new_secret_key())


commands = [certificates_group]
