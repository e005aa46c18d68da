"""The words of review emails (assignments, reminders, outcomes); they leave through the outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from portfolio.domain.dates import format_date, format_day_month
from portfolio.services.links import page_url
from portfolio.services.outbox import queue


def _set_words(set_name: str, attempt: int) -> str:
    return set_name if attempt == 1 else f"{set_name} (resubmission {attempt - 1})"


def _open(assignment_id: int | None) -> str:
    """Where the email's reader goes: the review itself when its address is known."""
    url = page_url(f"/review/assignments/{assignment_id}") if assignment_id else None
    return f"Open it here: {url}" if url else "Sign in to Portfolio and open Reviews"


def new_assignment(
    session: Session,
    *,
    to: str,
    name: str,
    set_name: str,
    attempt: int,
    due_on: date,
    kind: Any,
    assignment_id: int | None = None,
) -> None:
    what = "a third review of" if str(kind) == "adjudication" else "a review of"
    queue(
        session,
        to=to,
        subject=f"New review: {set_name}",
        body=(
            f"Hello {name},\n\nYou have been assigned {what} a portfolio set: "
            f"{_set_words(set_name, attempt)}. It is due on {format_date(due_on)}.\n\n"
            f"{_open(assignment_id)} to start. If you cannot take it, decline it there with a "
            "reason and it will go to another reviewer."
        ),
    )


def reminder(
    session: Session,
    *,
    to: str,
    name: str,
    set_name: str,
    due_on: date,
    today: date,
    assignment_id: int | None = None,
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
        subject=(
            f"Review due {'today' if days == 0 else 'on ' + format_day_month(due_on)}: {set_name}"
        ),
        body=(
            f"Hello {name},\n\nYour review of {set_name} is due {when} "
            f"({format_date(due_on)}). Your draft ratings are saved as you go. "
            f"{_open(assignment_id)} to finish it."
        ),
    )


def review_reopened(
    session: Session,
    *,
    to: str,
    name: str,
    set_name: str,
    due_on: date,
    assignment_id: int | None = None,
) -> None:
    queue(
        session,
        to=to,
        subject=f"Review reopened: {set_name}",
        body=(
            f"Hello {name},\n\nAn administrator reopened the outcome of a set you reviewed, "
            f"{set_name}, so your review is open again. Please look at it once more and submit "
            f"it by {format_date(due_on)}; your earlier ratings are kept as a draft.\n\n"
            f"{_open(assignment_id)}."
        ),
    )


def set_completed(
    session: Session,
    *,
    to: str,
    candidate: str,
    set_name: str,
    status_label: str,
    submission_id: int | None = None,
) -> None:
    url = page_url(f"/admin/reviews/submissions/{submission_id}") if submission_id else None
    where = f"on its page: {url}" if url else "on the administration pages"
    queue(
        session,
        to=to,
        subject=f"Reviews complete: {set_name} for {candidate}",
        body=(
            f"All reviews of {candidate}'s set {set_name} are in. The combined outcome is: "
            f"{status_label}.\n\nThe outcome, its reasons and its history are {where}."
        ),
    )


def outcome_for_candidate(
    session: Session,
    *,
    to: str,
    name: str,
    set_name: str,
    status_label: str,
    next_step: str,
    submission_id: int | None = None,
) -> None:
    url = page_url(f"/me/outcomes/{submission_id}") if submission_id else None
    read = (
        f"Read each competency's result and the reviewers' comments here: {url}"
        if url
        else "Sign in to Portfolio and open My certification to read each competency's "
        "result and the reviewers' comments."
    )
    queue(
        session,
        to=to,
        subject=f"Outcome of your set {set_name}: {status_label}",
        body=(
            f"Hello {name},\n\nThe review of your set {set_name} is complete. The outcome is: "
            f"{status_label}.\n\n{next_step}\n\n{read}"
        ),
    )
