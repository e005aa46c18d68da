"""Times come back in UTC even when the database session speaks another time zone.

Month tallies and due dates are computed from them, so a server configured for local time must
not shift a review submitted late on the last evening of a month into the next.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.helpers import make_user


def test_times_read_back_in_utc_whatever_the_sessions_time_zone(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no session time zone (it stores naive UTC)")
    session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))
    user = make_user(session, "tz@example.org")
    moment = datetime(2026, 2, 1, 2, 0, tzinfo=UTC)  # 31 January, 21:00 in New York
    user.email_confirmed_at = moment
    session.flush()
    session.expire(user)
    assert user.email_confirmed_at == moment
    assert user.email_confirmed_at.utcoffset() == timedelta(0)
    assert user.email_confirmed_at.month == 2
