"""Which routes a set may take now: the way out of a portfolio that was closed as not met.

A set is shown by an approved course or by a portfolio (a recognised college program is a
course route here). The route may change freely until work is submitted. After that it is
fixed, with one exception: a portfolio closed as not met (no resubmission left) may still be
met by an approved course, as the program itself advises; its submissions stay on record.
"""

from __future__ import annotations

from portfolio.domain.lifecycle import NOTHING_SUBMITTED, SetLifecycle

PORTFOLIO, COURSE = "portfolio", "course"
FIXED = "Work for this set was submitted, so its route can no longer change."
CLOSED_COURSE_ONLY = (
    "This set's portfolio was closed as not met, so it can now be met only by an approved course."
)


def routes_open(status: SetLifecycle, route: str) -> frozenset[str]:
    """The routes (models.enrollments.Route values) the candidate may choose for a set now."""
    if status in NOTHING_SUBMITTED:
        return frozenset({PORTFOLIO, COURSE})
    if status is SetLifecycle.CLOSED_NOT_MET and route in (PORTFOLIO, COURSE):
        return frozenset({COURSE})
    return frozenset()


def route_refusal(status: SetLifecycle, route: str, chosen: str) -> str | None:
    """Why `chosen` cannot be the set's route now, or None when it can (keeping the current
    route is always allowed: a course's details may still change)."""
    if chosen == route or chosen in routes_open(status, route):
        return None
    if status is SetLifecycle.CLOSED_NOT_MET:
        return CLOSED_COURSE_ONLY
    return FIXED
