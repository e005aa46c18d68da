"""Review emails: their words, and an outbox that sends them only once the work is committed.

Services queue messages on the database session (`queue`); they go out after that session
commits, and are dropped if it rolls back. So a reviewer is never told about an assignment
that a failed request took back, and no SMTP call happens while a row lock is held.
`install_delivery` connects the outbox to sending, once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

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


def _set_words(set_name: str, attempt: int) -> str:
    return set_name if attempt == 1 else f"{set_name} (resubmission {attempt - 1})"


def new_assignment(
    session: Session, *, to: str, name: str, set_name: str, attempt: int, due_on: date, kind: Any
) -> None:
    what = "a third review of" if str(kind) == "adjudication" else "a review of"
    queue(
        session,
        to=to,
        subject=f"New review: {set_name}",
        body=(
            f"Hello {name},\n\nYou have been assigned {what} a portfolio set: "
            f"{_set_words(set_name, attempt)}. It is due on {due_on:%d %B %Y}.\n\n"
            "Sign in to Portfolio and open Reviews to start. If you cannot take it, decline it "
            "there with a reason and it will go to another reviewer."
        ),
    )


def reminder(
    session: Session, *, to: str, name: str, set_name: str, due_on: date, today: date
) -> None:
    days = (due_on - today).days
    when = (
        "today"
        if days == 0
        else (f"in {days} day{'s' if days != 1 else ''}" if days > 0 else "and is overdue")
    )
    queue(
        session,
        to=to,
        subject=f"Review due {'today' if days == 0 else f'on {due_on:%d %B}'}: {set_name}",
        body=(
            f"Hello {name},\n\nYour review of {set_name} is due {when} "
            f"({due_on:%d %B %Y}). Your draft ratings are saved as you go; sign in to Portfolio "
            "and open Reviews to finish it."
        ),
    )


def review_reopened(session: Session, *, to: str, name: str, set_name: str, due_on: date) -> None:
    queue(
        session,
        to=to,
        subject=f"Review reopened: {set_name}",
        body=(
            f"Hello {name},\n\nAn administrator reopened the outcome of a set you reviewed, "
            f"{set_name}, so your review is open again. Please look at it once more and submit "
            f"it by {due_on:%d %B %Y}; your earlier ratings are kept as a draft."
        ),
    )


def set_completed(
    session: Session, *, to: str, candidate: str, set_name: str, status_label: str
) -> None:
    queue(
        session,
        to=to,
        subject=f"Reviews complete: {set_name} for {candidate}",
        body=(
            f"All reviews of {candidate}'s set {set_name} are in. The combined outcome is: "
            f"{status_label}.\n\nThe outcome, its reasons and its history are on the "
            "administration pages."
        ),
    )


def outcome_for_candidate(
    session: Session, *, to: str, name: str, set_name: str, status_label: str, next_step: str
) -> None:
    queue(
        session,
        to=to,
        subject=f"Outcome of your set {set_name}: {status_label}",
        body=(
            f"Hello {name},\n\nThe review of your set {set_name} is complete. The outcome is: "
            f"{status_label}.\n\n{next_step}\n\nSign in to Portfolio and open My certification "
            "to read each competency's result and the reviewers' comments."
        ),
    )
