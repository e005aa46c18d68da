"""`flask courses import-roster`: import a provider's CSV roster of course completions from a
file, as the provider's page does (all rows or none; the same file twice changes nothing).
Commits once; the candidates' emails go out after the commit."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portfolio.domain.errors import DomainError
from portfolio.extensions import db
from portfolio.models import Provider
from portfolio.models.base import utcnow
from portfolio.services.accounts import users
from portfolio.services.courses import providers, rosters


@click.group("courses")
def courses_group() -> None:
    """Approved courses: completions reported by providers."""


@courses_group.command("import-roster")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--provider", "slug", required=True, help="The provider's slug.")
@click.option("--by", "email", required=True, help="Email of a member acting for the provider.")
@with_appcontext
def import_roster(path: Path, slug: str, email: str) -> None:
    """Import the CSV roster at PATH for the provider (columns candidate, course, completed_on)."""
    session = db.session
    actor = users.find_by_email(session, email)
    if actor is None:
        raise click.ClickException(f"No account has the email address {email}.")
    provider = session.scalar(select(Provider).where(Provider.slug == slug))
    if provider is None or provider not in providers.providers_of(session, actor):
        raise click.ClickException(f"{email} does not act for a provider called {slug}.")
    max_bytes = int(current_app.config.get("ROSTER_MAX_BYTES", rosters.DEFAULT_MAX_BYTES))
    max_rows = int(current_app.config.get("ROSTER_MAX_ROWS", rosters.DEFAULT_MAX_ROWS))
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    try:
        result = rosters.import_roster(
            session,
            provider,
            data=data,
            name=path.name,
            actor=actor,
            today=utcnow().date(),
            max_bytes=max_bytes,
            max_rows=max_rows,
        )
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    if not result.ok:
        session.rollback()
        for problem in result.errors:
            click.echo(problem.describe(), err=True)
        raise click.ClickException(f"Nothing imported: {len(result.errors)} problem(s).")
    session.commit()
    if result.same_file:
        click.echo("This file was imported already; nothing changed.")
    else:
        click.echo(
            f"Imported: {result.recorded} completion(s) recorded, "
            f"{result.on_record} already on record."
        )


commands = [courses_group]
