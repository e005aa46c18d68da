"""Addresses typed to invite staff: parsed, checked and bounded (issue 13.2)."""

from __future__ import annotations

import re

import pytest

from portfolio.domain.applications.invitations import MAX_ADDRESSES, parse_addresses
from portfolio.domain.errors import InvalidInput


def test_addresses_split_on_commas_semicolons_and_lines_lowercased_once_each() -> None:
    typed = "A@Example.org, b@example.org;\nc@example.org  a@example.org"
    assert parse_addresses(typed) == ["a@example.org", "b@example.org", "c@example.org"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter at least one email address."),
        ("bob, @example.org, x@y", "These are not email addresses: bob, @example.org, x@y."),
        (" ".join(f"p{n}@example.org" for n in range(MAX_ADDRESSES + 1)), "you entered 51"),
        ("\n".join(f"p{n}@example.org" for n in range(10_000)), "Invite at most 50 people"),
    ],
)
def test_bad_lists_are_refused(typed: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)) as caught:
        parse_addresses(typed)
    assert caught.value.field == "emails"


def test_one_address_when_only_one_is_wanted() -> None:
    with pytest.raises(InvalidInput, match=r"Enter one email address\.") as caught:
        parse_addresses("a@example.org b@example.org", limit=1, field="email")
    assert caught.value.field == "email"
