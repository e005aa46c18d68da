"""Addresses a supervisor types to invite staff: parsed, checked, bounded."""

from __future__ import annotations

import re

from portfolio.domain.errors import InvalidInput

MAX_ADDRESSES = 50  # a team, not a mailing list
TEXT_LIMIT = MAX_ADDRESSES * 260  # longer than any 50 addresses with separators
ADDRESS = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"'.]+")


def parse_addresses(text: str, limit: int = MAX_ADDRESSES, field: str = "emails") -> list[str]:
    """The distinct addresses in `text` (separated by commas, semicolons, spaces or lines),
    lower-cased, in the order typed. InvalidInput (on `field`) when there are none, more
    than `limit`, or one is not an address (all the bad ones are named, at most five)."""
    if len(text) > TEXT_LIMIT:
        raise InvalidInput(
            f"Invite at most {limit} people at once; send several invitations for more.",
            field=field,
        )
    found: list[str] = []
    bad: list[str] = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        address = part.lower()
        if ADDRESS.fullmatch(address) is None or len(address) > 254:
            bad.append(part[:60])
        elif address not in found:
            found.append(address)
    if limit == 1 and len(found) + len(bad) > 1:
        raise InvalidInput("Enter one email address.", field=field)
    if len(found) + len(bad) > limit:
        raise InvalidInput(
            f"Invite at most {limit} people at once (you entered {len(found) + len(bad):,}); "
            "send several invitations for more.",
            field=field,
        )
    if bad:
        shown = ", ".join(bad[:5])
        these = "This is not an email address" if len(bad) == 1 else "These are not email addresses"
        raise InvalidInput(f"{these}: {shown}.", field=field)
    if not found:
        raise InvalidInput("Enter at least one email address.", field=field)
    return found
