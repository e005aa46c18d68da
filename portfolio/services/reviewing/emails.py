"""The words of review emails (assignments, reminders, outcomes); they leave through the outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from portfolio.domain.dates import format_date, format_day_month
from portfolio.domain.notifications import Kind
from portfolio.models import User
from portfolio.services.links import page_url
from portfolio.services.notifications import notify


def _set_words(set_name: str, attempt: int) -> str:
    return set_name if attempt == 1 else f"{set_name} (resubmission {attempt - 1})"


def _assignment_path(assignment_id: int | None) -> str:
    return f"/review/assignments/{assignment_id}" if assignment_id else "/review/"


def _open(assignment_id: int | None) -> str:
    """Where the email's reader goes: the review itself when its address is known."""
    url = page_url(_assignment_path(assignment_id)) if assignment_id else None
    return f"Open it here: {url}" if url else "Sign in to Portfolio and open Reviews"


def new_assignment(
    session: Session,
    *,
    reviewer: User,
    set_name: str,
    attempt: int,
    due_on: date,
    kind: Any,
    assignment_id: int | None = None,
) -> None:
    what = "a third review of" if str(kind) == "adjudication" else "a review of"
    notify(
        session,
        user=reviewer,
        kind=Kind.REVIEW_ASSIGNED,
        link=_assignment_path(assignment_id),
        subject=f"New review: {set_name}",
        body=(
            f"Hello {reviewer.name},\n\nYou have been assigned {what} a portfolio set: "
            f"{_set_words(set_name, attempt)}. It is due on {format_date(due_on)}.\n\n"
            f"{_open(assignment_id)} to start. If you cannot take it, decline it there with a "
            "reason and it will go to another reviewer."
        ),
    )


def reminder(
    session: Session,
    *,
    reviewer: User,
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
    notify(
        session,
        user=reviewer,
        kind=Kind.REVIEW_REMINDER,
        link=_assignment_path(assignment_id),
        subject=(
            f"Review due {'today' if days == 0 else 'on ' + format_day_month(due_on)}: {set_name}"
        ),
        body=(
            f"Hello {reviewer.name},\n\nYour review of {set_name} is due {when} "
            f"({format_date(due_on)}). Your draft ratings are saved as you go. "
            f"{_open(assignment_id)} to finish it."
        ),
    )


def due_date_moved(
    session: Session,
    *,
    reviewer: User,
    set_name: str,
    before: date,
    due_on: date,
    assignment_id: int | None = None,
) -> None:
    """An administrator moved the review's due date: a firm one, so the reviewer must know."""
    notify(
        session,
        user=reviewer,
        kind=Kind.REVIEW_REMINDER,
        link=_assignment_path(assignment_id),
        subject=f"New due date for your review: {set_name}",
        body=(
            f"Hello {reviewer.name},\n\nAn administrator moved the due date of your review of "
            f"{set_name} from {format_date(before)} to {format_date(due_on)}. The new date is "
            "firm: you cannot submit scores after it.\n\n"
            f"{_open(assignment_id)}."
        ),
    )


def review_reopened(
    session: Session,
    *,
    reviewer: User,
    set_name: str,
    due_on: date,
    assignment_id: int | None = None,
) -> None:
    notify(
        session,
        user=reviewer,
        kind=Kind.REVIEW_ASSIGNED,
        link=_assignment_path(assignment_id),
        subject=f"Review reopened: {set_name}",
        body=(
            f"Hello {reviewer.name},\n\nAn administrator reopened the outcome of a set you "
            f"reviewed, {set_name}, so your review is open again. Please look at it once more "
            f"and submit it by {format_date(due_on)}; your earlier ratings are kept as a draft.\n\n"
            f"{_open(assignment_id)}."
        ),
    )


def set_completed(
    session: Session,
    *,
    administrator: User,
    candidate: str,
    set_name: str,
    status_label: str,
    submission_id: int | None = None,
) -> None:
    path = f"/admin/reviews/submissions/{submission_id}" if submission_id else ""
    url = page_url(path) if path else None
    where = f"on its page: {url}" if url else "on the administration pages"
    notify(
        session,
        user=administrator,
        kind=Kind.REVIEWS_COMPLETE,
        link=path,
        subject=f"Reviews complete: {set_name} for {candidate}",
        body=(
            f"All reviews of {candidate}'s set {set_name} are in. The combined outcome is: "
            f"{status_label}.\n\nThe outcome, its reasons and its history are {where}."
        ),
    )


def outcome_for_candidate(
    session: Session,
    *,
    candidate: User,
    set_name: str,
    status_label: str,
    next_step: str,
    submission_id: int | None = None,
) -> None:
    path = f"/me/outcomes/{submission_id}" if submission_id else "/me/"
    url = page_url(path) if submission_id else None
    read = (
        f"Read each competency's result and the reviewers' comments here: {url}"
        if url
        else "Sign in to Portfolio and open My certification to read each competency's "
        "result and the reviewers' comments."
    )
    notify(
        session,
        user=candidate,
        kind=Kind.OUTCOME,
        link=path,
        subject=f"Outcome of your set {set_name}: {status_label}",
        body=(
            f"Hello {candidate.name},\n\nThe review of your set {set_name} is complete. "
            f"The outcome is: {status_label}.\n\n{next_step}\n\n{read}"
        ),
    )
