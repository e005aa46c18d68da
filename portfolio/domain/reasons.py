"""Written reasons: administrators and reviewers explain a change in their own words."""

from __future__ import annotations

from portfolio.domain.errors import InvalidInput

REASON_LIMIT = 2000


def written_reason(text: str, limit: int = REASON_LIMIT) -> str:
    """The reason without surrounding space; InvalidInput (field "reason") if empty or long."""
    reason = text.strip()
    if not reason:
        raise InvalidInput("Give a reason.", field="reason")
    if len(reason) > limit:
        raise InvalidInput(f"Use at most {limit} characters.", field="reason")
    return reason
