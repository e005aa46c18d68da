"""A provider's fee ledger for one course version and one purpose (approval or renewal): what
is owed and what may still be given back or waived.

Entries are (kind, cents) pairs, cents always positive; the kind says which way they move what
is owed: a charge and a refund add to it (money given back is owed again unless it is also
waived), a payment and a waiver take from it. A payment recorded by mistake is undone the same
way: a refund entry that says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules_text import money

CHARGE, PAYMENT, REFUND, WAIVER = "charge", "payment", "refund", "waiver"
SIGN = {CHARGE: 1, PAYMENT: -1, REFUND: 1, WAIVER: -1}

Entry = tuple[str, int]


def owed_cents(entries: Iterable[Entry]) -> int:
    """What is owed now (negative: in credit)."""
    return sum(SIGN[kind] * cents for kind, cents in entries)


def refundable_cents(entries: Iterable[Entry]) -> int:
    """What was paid and not yet given back."""
    paid = refunded = 0
    for kind, cents in entries:
        if kind == PAYMENT:
            paid += cents
        elif kind == REFUND:
            refunded += cents
    return paid - refunded


def dollars(cents: int) -> str:
    """$100, or $12.50 when there are cents: course fees are in US dollars (the ledger's
    currency column), written as the program pages write money."""
    return money(cents, "USD")


def check_refund(entries: Iterable[Entry], amount_cents: int, purpose: str) -> None:
    """InvalidInput (field "amount") when more would go back than was paid for `purpose`."""
    most = refundable_cents(entries)
    if most <= 0:
        raise InvalidInput(
            f"Nothing paid for the {purpose} of this course is left to give back.",
            field="amount",
        )
    if amount_cents > most:
        raise InvalidInput(
            f"A refund cannot be more than what was paid for the {purpose} and not yet "
            f"given back ({dollars(most)}).",
            field="amount",
        )


def check_waiver(entries: Iterable[Entry], amount_cents: int, purpose: str) -> None:
    """InvalidInput (field "amount") when nothing is owed for `purpose` or the waiver is more
    than is owed."""
    owed = owed_cents(entries)
    if owed <= 0:
        raise InvalidInput(
            f"Nothing is owed for the {purpose} of this course: there is nothing to waive.",
            field="amount",
        )
    if amount_cents > owed:
        raise InvalidInput(
            f"You can waive at most what is owed for the {purpose} ({dollars(owed)}).",
            field="amount",
        )
