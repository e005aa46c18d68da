"""Written reasons: administrators and reviewers explain a change in their own words.

One rule for every reason (overrides, revocations, returns, reassignments, declines, conflicts,
application decisions): the same bounds and the same messages wherever it is typed. Forms may
tell the browser the bounds (REASON_MIN, REASON_MAX) but the server always checks them here.
"""

from __future__ import annotations

from portfolio.domain.errors import InvalidInput

# Enough to rule out "x", "ok" or "n/a", yet let "On leave" or "Sister" stand as a reason.
REASON_MIN = 5
REASON_MAX = 2000

BLANK = "Give a reason."
TOO_SHORT = f"Say why in at least {REASON_MIN} characters."
TOO_LONG = f"Use at most {REASON_MAX:,} characters."


def written_reason(text: str, *, field: str = "reason") -> str:
    """The reason without surrounding space.

    InvalidInput on `field` when it is blank, shorter than REASON_MIN or longer than
    REASON_MAX characters (counted without the surrounding space).
    """
    reason = text.strip()
    if not reason:
        raise InvalidInput(BLANK, field=field)
    if len(reason) < REASON_MIN:
        raise InvalidInput(TOO_SHORT, field=field)
    if len(reason) > REASON_MAX:
        raise InvalidInput(TOO_LONG, field=field)
    return reason
