"""The program's calendar day: UTC, on every page, whatever the server's own time zone.

Due dates, certificate issue and expiry, and cohort quarters are all reckoned in it, so an
administrator's list and a public page never disagree around midnight.
"""

from __future__ import annotations

from datetime import date

from portfolio.models.base import utcnow


def today() -> date:
    return utcnow().date()
