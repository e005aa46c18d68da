"""Row ids as clients send them: anything that cannot name a row is simply not found."""

from __future__ import annotations

from typing import TypeGuard

# Ids are 32-bit integers on every backend; a larger number would make the database raise.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: object) -> TypeGuard[int]:
    """True for an int (not a bool) that could be a primary key."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID
