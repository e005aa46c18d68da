"""The lifecycle of a competency set on the portfolio route, and the completion window.

    not_started --save_draft--> draft --submit--> submitted --assign--> in_review
    in_review --record_outcome_met--> met
    in_review --record_outcome_not_met--> not_yet_met --resubmit--> resubmitted --assign--> ...
    in_review --require_adjudication--> needs_adjudication --record_outcome_*--> met | not_yet_met
    not_yet_met --close--> closed_not_met
    met | not_yet_met | closed_not_met --reopen (administrator)--> in_review | in_review | draft
    met | not_yet_met | closed_not_met --review_again (an appeal sent back)--> submitted

The table below is the whole truth; anything not in it raises Conflict. Two choices to note:
- After "not yet met" the candidate revises in place (save_draft keeps not_yet_met), so the
  status still says a resubmission is what comes next. resubmit also needs can_resubmit().
- close only applies while the candidate holds the set (not started, draft, not yet met). A set
  waiting on reviewers is never closed under the candidate for the reviewers' delay.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from portfolio.domain.dates import add_months
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.programs.rules import ProgramRules


class SetLifecycle(enum.StrEnum):
    """Stored in models.enrollments.EnrollmentSet.status."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    NEEDS_ADJUDICATION = "needs_adjudication"
    MET = "met"
    NOT_YET_MET = "not_yet_met"
    RESUBMITTED = "resubmitted"
    CLOSED_NOT_MET = "closed_not_met"

    @property
    def label(self) -> str:
        return _LABELS[self]


class SetEvent(enum.StrEnum):
    SAVE_DRAFT = "save_draft"
    SUBMIT = "submit"
    ASSIGN = "assign"
    REQUIRE_ADJUDICATION = "require_adjudication"
    RECORD_OUTCOME_MET = "record_outcome_met"
    RECORD_OUTCOME_NOT_MET = "record_outcome_not_met"
    RESUBMIT = "resubmit"
    CLOSE = "close"
    REOPEN = "reopen"  # an administrator's
    REVIEW_AGAIN = "review_again"  # an appeals committee sent the outcome back


S, E = SetLifecycle, SetEvent
TRANSITIONS: Mapping[tuple[SetLifecycle, SetEvent], SetLifecycle] = MappingProxyType(
    {
        (S.NOT_STARTED, E.SAVE_DRAFT): S.DRAFT,
        (S.NOT_STARTED, E.CLOSE): S.CLOSED_NOT_MET,
        (S.DRAFT, E.SAVE_DRAFT): S.DRAFT,
        (S.DRAFT, E.SUBMIT): S.SUBMITTED,
        (S.DRAFT, E.CLOSE): S.CLOSED_NOT_MET,
        (S.SUBMITTED, E.ASSIGN): S.IN_REVIEW,
        # More reviewers may join (one at a time, or a replacement) while the review runs.
        (S.IN_REVIEW, E.ASSIGN): S.IN_REVIEW,
        (S.IN_REVIEW, E.RECORD_OUTCOME_MET): S.MET,
        (S.IN_REVIEW, E.RECORD_OUTCOME_NOT_MET): S.NOT_YET_MET,
        (S.IN_REVIEW, E.REQUIRE_ADJUDICATION): S.NEEDS_ADJUDICATION,
        (S.NEEDS_ADJUDICATION, E.ASSIGN): S.NEEDS_ADJUDICATION,  # the third reviewer
        (S.NEEDS_ADJUDICATION, E.RECORD_OUTCOME_MET): S.MET,
        (S.NEEDS_ADJUDICATION, E.RECORD_OUTCOME_NOT_MET): S.NOT_YET_MET,
        (S.NOT_YET_MET, E.SAVE_DRAFT): S.NOT_YET_MET,
        (S.NOT_YET_MET, E.RESUBMIT): S.RESUBMITTED,
        (S.NOT_YET_MET, E.CLOSE): S.CLOSED_NOT_MET,
        (S.RESUBMITTED, E.ASSIGN): S.IN_REVIEW,
        # Reopening: an outcome recorded in error is decided again; a closed set gets a draft.
        (S.MET, E.REOPEN): S.IN_REVIEW,
        (S.NOT_YET_MET, E.REOPEN): S.IN_REVIEW,
        (S.CLOSED_NOT_MET, E.REOPEN): S.DRAFT,
        # An outcome sent back on appeal: the same submission waits for new reviewers.
        (S.MET, E.REVIEW_AGAIN): S.SUBMITTED,
        (S.NOT_YET_MET, E.REVIEW_AGAIN): S.SUBMITTED,
        (S.CLOSED_NOT_MET, E.REVIEW_AGAIN): S.SUBMITTED,
    }
)
del S, E

_LABELS = {
    SetLifecycle.NOT_STARTED: "not started",
    SetLifecycle.DRAFT: "a draft",
    SetLifecycle.SUBMITTED: "submitted",
    SetLifecycle.IN_REVIEW: "in review",
    SetLifecycle.NEEDS_ADJUDICATION: "waiting for a third reviewer",
    SetLifecycle.MET: "met",
    SetLifecycle.NOT_YET_MET: "not yet met",
    SetLifecycle.RESUBMITTED: "resubmitted",
    SetLifecycle.CLOSED_NOT_MET: "closed as not met",
}
_VERBS = {
    SetEvent.SAVE_DRAFT: "edit",
    SetEvent.SUBMIT: "submit",
    SetEvent.ASSIGN: "assign reviewers to",
    SetEvent.REQUIRE_ADJUDICATION: "send to a third reviewer",
    SetEvent.RECORD_OUTCOME_MET: "record an outcome for",
    SetEvent.RECORD_OUTCOME_NOT_MET: "record an outcome for",
    SetEvent.RESUBMIT: "resubmit",
    SetEvent.CLOSE: "close",
    SetEvent.REOPEN: "reopen",
    SetEvent.REVIEW_AGAIN: "send for a fresh review",
}


def status_label(status: str) -> str:
    """The words every page and email uses for a set's status, or for a set outcome's (an
    outcome status is one of the set's: met, not_yet_met, needs_adjudication, closed_not_met).

    Lower case, to sit inside a sentence: "This set is waiting for a third reviewer."
    InvalidInput for a value that is no status.
    """
    try:
        return _LABELS[SetLifecycle(status)]
    except ValueError:
        raise InvalidInput(f"{status!r} is not a set status.", field="status") from None


def status_title(status: str) -> str:
    """status_label starting with a capital, to stand alone: "Waiting for a third reviewer"."""
    label = status_label(status)
    return label[:1].upper() + label[1:]


# Statuses in which nothing has been submitted yet (electives may still change).
NOTHING_SUBMITTED = frozenset({SetLifecycle.NOT_STARTED, SetLifecycle.DRAFT})
# Handed in and waiting on reviewers (a first review, a third reviewer, or a resubmission's).
UNDER_REVIEW = frozenset(
    {
        SetLifecycle.SUBMITTED,
        SetLifecycle.IN_REVIEW,
        SetLifecycle.NEEDS_ADJUDICATION,
        SetLifecycle.RESUBMITTED,
    }
)


def parse_status(value: str) -> SetLifecycle:
    """The status stored as `value`; InvalidInput for an unknown one."""
    try:
        return SetLifecycle(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a set status.", field="status") from None


def transition(current: SetLifecycle | str, event: SetEvent | str) -> SetLifecycle:
    """The status after `event`; Conflict (409) when the lifecycle does not allow it."""
    status = parse_status(current) if isinstance(current, str) else current
    try:
        happening = SetEvent(event)
    except ValueError:
        raise InvalidInput(f"{event!r} is not a set event.", field="event") from None
    new = TRANSITIONS.get((status, happening))
    if new is None:
        raise Conflict(f"You cannot {_VERBS[happening]} a set that is {status.label}.")
    return new


def allowed_events(current: SetLifecycle) -> frozenset[SetEvent]:
    """The events the lifecycle allows from `current` (e.g. to decide which buttons to show)."""
    return frozenset(event for status, event in TRANSITIONS if status is current)


def completion_window_end(enrolled_on: date, rules: ProgramRules) -> date:
    """The last day of the completion window: the same date `completion_window_years` later,
    e.g. 15 Mar 2024 + 4 years = 15 Mar 2028 (that day included); 29 Feb + 5 years = 28 Feb."""
    return add_months(enrolled_on, 12 * rules.completion_window_years)


def window_open(window_end: date, today: date) -> bool:
    return today <= window_end


def days_left(window_end: date, today: date) -> int:
    """Whole days from today to the window's last day: 0 on that day (still open) and after."""
    return max((window_end - today).days, 0)


def resubmission_refusal(
    resubmissions_used: int, resubmissions_allowed: int, window_end: date, today: date
) -> str | None:
    """Why a resubmission is not possible, or None when it is."""
    counts = {
        "resubmissions_used": resubmissions_used,
        "resubmissions_allowed": resubmissions_allowed,
    }
    for name, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInput(
                "A resubmission count must be a whole number, 0 or more.", field=name
            )
    if resubmissions_allowed == 0:
        return "This program allows no resubmission."
    if resubmissions_used >= resubmissions_allowed:
        if resubmissions_allowed == 1:
            return "The one resubmission allowed has been used."
        return f"All {resubmissions_allowed} resubmissions allowed have been used."
    if not window_open(window_end, today):
        return "The completion window has ended."
    return None


def can_resubmit(
    resubmissions_used: int, resubmissions_allowed: int, window_end: date, today: date
) -> bool:
    """True while a resubmission remains and the completion window is open (end day included)."""
    return (
        resubmission_refusal(resubmissions_used, resubmissions_allowed, window_end, today) is None
    )


def attempts_note(status: SetLifecycle, resubmissions_used: int, resubmissions_allowed: int) -> str:
    """What submitting now leaves: how many resubmissions remain if this attempt is not met."""
    if status is SetLifecycle.NOT_YET_MET:
        left = max(0, resubmissions_allowed - resubmissions_used - 1)
        if left == 0:
            return (
                "This is your last resubmission for this set: if it is not met, the set is closed "
                "as not met (it can then still be met by an approved course)."
            )
        return f"This is a resubmission: if it is not met, you can resubmit {_times(left)} more."
    if resubmissions_allowed == 0:
        return "This program allows no resubmission: if this set is not met, it is closed."
    allowed = _times(resubmissions_allowed)
    return f"If this set is not met, you can revise and resubmit it {allowed}."


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
