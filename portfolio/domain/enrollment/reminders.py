"""When a candidate is reminded that their completion window is ending (issue 15.2): 6, 3 and
1 months before its last day. A day past a reminder's date still sends that one (a job that
missed a day catches up), never an earlier one already overtaken by a later one."""

from __future__ import annotations

from datetime import date

from portfolio.domain.dates import add_months

WINDOW_REMINDER_MONTHS = (6, 3, 1)  # the first sent first


def window_reminder_due(window_ends_on: date, today: date) -> int | None:
    """The months-before reminder that applies on `today` (6, 3 or 1), or None: too early, or
    the window has ended."""
    if today > window_ends_on:
        return None
    due = None
    for months in WINDOW_REMINDER_MONTHS:
        if today >= add_months(window_ends_on, -months):
            due = months
    return due


# A set came back "not yet met" and the candidate has not resubmitted: reminded this many days
# after the outcome (the first sent first), while a resubmission is still possible.
RESUBMISSION_REMINDER_DAYS = (30, 90)


def resubmission_reminder_due(outcome_on: date, today: date) -> int | None:
    """The days-after reminder that applies on `today` (30 or 90), or None before the first.
    A job that missed a day catches up with the latest step only."""
    due = None
    for days in RESUBMISSION_REMINDER_DAYS:
        if (today - outcome_on).days >= days:
            due = days
    return due
