"""A written reason: trimmed, required, and bounded."""

from __future__ import annotations

import pytest

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reasons import written_reason


def test_a_reason_is_kept_without_surrounding_space():
    assert written_reason("  Issued in error.\n") == "Issued in error."


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Give a reason."), (" \n\t", "Give a reason."), ("x" * 11, "Use at most 10 characters.")],
)
def test_an_empty_or_long_reason_is_refused_on_its_field(text, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        written_reason(text, limit=10)
    assert refused.value.field == "reason"
