"""The appeal procedure's calendar: when each step is due, and why a late step is refused.

Every count of days is the program's rule data (domain.programs.rules.AppealRules). A deadline
is the last day on which the step may still be taken: a decision of 2 March with 10 days for
the notice may be appealed up to and including 12 March.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portfolio.domain.dates import format_date
from portfolio.domain.programs.rules import AppealRules

NO_PROCEDURE = (
    "This program has no published appeal procedure, so its decisions cannot be appealed here."
)


@dataclass(frozen=True)
class FilingDeadlines:
    """The candidate's two deadlines, both counted from the day of the decision."""

    decided_on: date
    notice_by: date
    grounds_by: date


def filing_deadlines(decided_on: date, rules: AppealRules) -> FilingDeadlines:
    return FilingDeadlines(
        decided_on=decided_on,
        notice_by=decided_on + timedelta(days=rules.notice_days),
        grounds_by=decided_on + timedelta(days=rules.grounds_days),
    )


def office_due(grounds_filed_on: date, rules: AppealRules) -> date:
    """The last day for the office's answer (or its statement that it will not answer)."""
    return grounds_filed_on + timedelta(days=rules.office_response_days)


def committee_due(office_answered_on: date, rules: AppealRules) -> date:
    """The last day for the committee's ruling."""
    return office_answered_on + timedelta(days=rules.committee_days)


def notice_refusal(decided_on: date, today: date, rules: AppealRules) -> str | None:
    """Why a notice of intent can no longer be filed today, with the dates; None while it can."""
    deadlines = filing_deadlines(decided_on, rules)
    if today <= deadlines.notice_by:
        return None
    return (
        f"The notice of intent had to be filed by {format_date(deadlines.notice_by)}, "
        f"{_days(rules.notice_days)} after the decision of {format_date(decided_on)}. "
        "The right to appeal this decision has ended."
    )


def grounds_refusal(decided_on: date, today: date, rules: AppealRules) -> str | None:
    """Why the full grounds can no longer be filed today, with the dates; None while they can."""
    deadlines = filing_deadlines(decided_on, rules)
    if today <= deadlines.grounds_by:
        return None
    return (
        f"The full grounds had to be filed by {format_date(deadlines.grounds_by)}, "
        f"{_days(rules.grounds_days)} after the decision of {format_date(decided_on)}. "
        "The right to appeal this decision has ended."
    )


def _days(count: int) -> str:
    return "1 calendar day" if count == 1 else f"{count} calendar days"
