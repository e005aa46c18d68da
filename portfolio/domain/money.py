"""Amounts of money as administrators type them: exact cents, never floats."""

from __future__ import annotations

import re
from decimal import Decimal

from portfolio.domain.errors import InvalidInput

# Digits with an optional dollar sign and at most two decimals: "350", "350.5", "$350.00".
# Thousands separators are refused: "1,000" and the European "350,00" cannot be told apart.
AMOUNT = re.compile(r"\$?(\d{1,7})(\.\d{1,2})?")
MAX_AMOUNT_CENTS = 100_000_00  # far above any fee: a slip of the keyboard, not a payment
MAX_AMOUNT_TEXT = f"${MAX_AMOUNT_CENTS // 100:,}.00"


def parse_amount(text: str, field: str = "amount") -> int:
    """Cents from an amount typed as "350.00"; InvalidInput for anything else (negative,
    "12.345", "abc", zero, or more than MAX_AMOUNT_CENTS)."""
    value = text.strip()
    if value.startswith("-"):
        raise InvalidInput("An amount cannot be negative.", field=field)
    match = AMOUNT.fullmatch(value)
    if match is None:
        if re.fullmatch(r"\$?\d+\.\d{3,}", value):
            raise InvalidInput("Use at most two decimals (cents).", field=field)
        raise InvalidInput("Enter an amount in dollars, such as 350.00.", field=field)
    cents = int(Decimal(value.lstrip("$")) * 100)  # exact: at most two decimals
    if cents == 0:
        raise InvalidInput("An amount must be more than 0.", field=field)
    if cents > MAX_AMOUNT_CENTS:
        raise InvalidInput(f"An amount must be at most {MAX_AMOUNT_TEXT}.", field=field)
    return cents
