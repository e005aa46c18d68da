"""A written reason: trimmed, required, and bounded the same way everywhere."""

from __future__ import annotations

import pytest

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reasons import REASON_MAX, REASON_MIN, written_reason


def test_a_reason_is_kept_without_surrounding_space():
    assert written_reason("  Issued in error.\n") == "Issued in error."


def test_the_bounds_themselves_are_accepted():
    assert written_reason("x" * REASON_MIN) == "x" * REASON_MIN
    assert written_reason(" " + "x" * REASON_MAX + "\n") == "x" * REASON_MAX


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Give a reason."),
        (" \n\t", "Give a reason."),
        ("x" * (REASON_MIN - 1), f"Say why in at least {REASON_MIN} characters."),
        ("   ok   ", f"Say why in at least {REASON_MIN} characters."),
        ("x" * (REASON_MAX + 1), "Use at most 2,000 characters."),
    ],
)
def test_a_blank_short_or_long_reason_is_refused_on_the_field_named(text, message):
    with pytest.raises(InvalidInput) as refused:
        written_reason(text, field="reason-7")
    assert refused.value.message == message
    assert refused.value.field == "reason-7"
