"""When a candidate hears that their completion window is ending: 6, 3 and 1 months before."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.domain.enrollment.reminders import window_reminder_due

END = date(2027, 6, 30)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 12, 29), None),  # more than 6 months ahead
        (date(2026, 12, 30), 6),
        (date(2027, 3, 29), 6),
        (date(2027, 3, 30), 3),
        (date(2027, 5, 30), 1),
        (END, 1),  # the last day still reminds
        (date(2027, 7, 1), None),  # ended: nothing more to remind of
    ],
)
def test_the_reminder_that_applies_on_a_day(today, due):
    assert window_reminder_due(END, today) == due
