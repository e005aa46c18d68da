"""The outbox: every email leaves only once the work it reports is committed.

Services queue messages on the database session (`queue`); they go out after that session
commits, and are dropped if it rolls back. So nobody is told about work that a failed request
took back, and no SMTP call happens while a row lock is held. `install_delivery` connects the
outbox to sending, once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portfolio.services.mail import MailSettings, send_email

OUTBOX = "review_outbox"
SIGNATURE = "\n\n-- Portfolio\n"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def queue(session: Session, *, to: str, subject: str, body: str) -> None:
    """Send this message after `session` commits (nothing is sent if it rolls back)."""
    session.info.setdefault(OUTBOX, []).append(Email(to, subject, body + SIGNATURE))


def queued(session: Session) -> list[Email]:
    """Messages waiting for the commit (tests and the CLI look at them)."""
    return list(session.info.get(OUTBOX, []))


def deliver(session: Session, settings: MailSettings) -> int:
    """Send and forget the queued messages; the number handed to the mail server."""
    messages: list[Email] = session.info.pop(OUTBOX, [])
    return sum(send_email(settings, to=m.to, subject=m.subject, body=m.body) for m in messages)


_installed: list[Callable[[], MailSettings | None]] = []


def install_delivery(settings: Callable[[], MailSettings | None]) -> None:
    """Deliver every session's outbox after it commits, with the settings `settings()` gives.

    `settings` returns None where no mail can go (no application context): the outbox is then
    kept for whoever commits next in a context that can send.
    """
    _installed[:] = [settings]


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.get(OUTBOX) or not _installed:
        return
    settings = _installed[0]()
    if settings is not None:
        deliver(session, settings)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    # A savepoint rolled back (e.g. a lost race on a unique row) leaves the rest standing.
    if previous.parent is None and not previous.nested:
        session.info.pop(OUTBOX, None)


def _settings_of_current_app() -> MailSettings | None:
    return MailSettings.from_config(current_app.config) if has_app_context() else None


def init_app(app: Flask) -> None:
    """Deliver queued email after every commit of this process (bound in create_app)."""
    install_delivery(_settings_of_current_app)
