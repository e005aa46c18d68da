"""`flask --app portfolio demo`: one confirmed account per role, for trying the program out.

Where LSSCP is published, the demo candidate also gets an enrollment with a portfolio and one
set in review by the demo reviewer (commands.demo_data), whose reviewer profile that first
portfolio run sets up (qualified for every set, calibrated). Idempotent: accounts that exist keep
their passwords and roles, and nothing changes once the demo candidate has applied. Refused in
production.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portfolio.domain.errors import DomainError
from portfolio.extensions import db
from portfolio.models import Role
from portfolio.models.base import utcnow
from portfolio.services.accounts import users

# (email, name, role, password). Published on purpose: these accounts are for demonstrations.
DEMO_ACCOUNTS = (
    (
        "candidate@demo.example",
        "Casey Candidate",
        Role.CANDIDATE,
        "demo candidate walks the stacks",
    ),
    ("reviewer@demo.example", "Robin Reviewer", Role.REVIEWER, "demo reviewer reads every rubric"),
    (
        "admin@demo.example",
        "Alex Administrator",
        Role.ADMINISTRATOR,
        "demo admin keeps the records",
    ),
    ("supervisor@demo.example", "Sam Supervisor", Role.SUPERVISOR, "demo supervisor coaches staff"),
    (
        "committee@demo.example",
        "Cam Committee",
        Role.COMMITTEE,
        "demo committee hears every appeal",
    ),
    ("provider@demo.example", "Pat Provider", Role.PROVIDER, "demo provider teaches courses"),
)


def refusal() -> str | None:
    """Why the demo accounts may not be made here, or None."""
    if current_app.config.get("ENV_NAME") == "production":
        return "Refusing to create demo accounts in production."
    if not current_app.config.get("DEMO_ALLOWED", False):
        return "Refusing to create demo accounts: DEMO_ALLOWED is off."
    return None


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Create one confirmed demo account per role, then the demo portfolio; print both."""
    reason = refusal()
    if reason:
        raise click.ClickException(reason)
    session = db.session
    created = 0
    for email, name, role, password in DEMO_ACCOUNTS:
        if users.find_by_email(session, email) is None:
            users.create_account(
                session,
                email=email,
                name=name,
                password=password,
                roles=(role,),
                confirmed=True,
                source="demo",
            )
            created += 1
    session.commit()
    click.echo(f"Demo accounts: {created} created, {len(DEMO_ACCOUNTS) - created} already there.")
    for email, _name, role, password in DEMO_ACCOUNTS:
        click.echo(f"  {role.value:<13} {email:<26} password: {password}")
    for line in demo_portfolio():
        click.echo(line)
    for line in demo_holder():
        click.echo(line)


def demo_portfolio() -> list[str]:
    """Make the demo portfolio unless it is there or cannot be; what happened, in lines.

    Committed on its own, so a failure here leaves the accounts made above in place.
    """
    # Imported here: it pulls in most services, which every process that registers the CLI
    # (gunicorn workers, every `flask` command) would otherwise import for this command alone.
    from portfolio.commands import demo_data

    session = db.session
    people = {role: users.find_by_email(session, email) for email, _, role, _ in DEMO_ACCOUNTS}
    candidate = people[Role.CANDIDATE]
    reason = demo_data.skip_reason(session, candidate)
    if reason:
        return [reason]
    cast = demo_data.DemoPeople(
        candidate=candidate,
        reviewer=people[Role.REVIEWER],
        administrator=people[Role.ADMINISTRATOR],
        supervisor=people[Role.SUPERVISOR],
        provider=people[Role.PROVIDER],
    )
    try:
        lines = demo_data.build_demo_portfolio(session, cast, utcnow().date())
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(f"Demo portfolio not made: {exc.message}") from exc
    session.commit()
    return lines


def demo_holder() -> list[str]:
    """A certified holder inside the renewal window (commands.demo_renewal), committed alone."""
    from portfolio.commands import demo_renewal

    session = db.session
    administrator = users.find_by_email(session, "admin@demo.example")
    try:
        lines = demo_renewal.build_renewal_demo(session, administrator, utcnow().date())
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(f"Demo holder not made: {exc.message}") from exc
    session.commit()
    return lines


commands = [demo]
