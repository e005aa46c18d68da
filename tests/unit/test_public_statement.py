"""A revoked certificate's public statement: optional, bounded, one paragraph; the standard
wording stands in when there is none."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.domain.certification.evaluation import certificate_status
from portfolio.domain.certification.revocation import (
    DEFAULT_PUBLIC_STATEMENT,
    PUBLIC_STATEMENT_MAX,
    STATEMENT_TOO_LONG,
    STATEMENT_TOO_SHORT,
    public_statement,
    public_wording,
)
from portfolio.domain.errors import InvalidInput


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_no_statement_is_allowed_and_stored_empty(blank):
    assert public_statement(blank) == ""
    assert public_wording("") == DEFAULT_PUBLIC_STATEMENT


def test_a_statement_is_trimmed_and_kept_to_one_paragraph():
    assert public_statement("  Withdrawn\r\n  by the office. ") == "Withdrawn by the office."


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", STATEMENT_TOO_SHORT), ("a" * (PUBLIC_STATEMENT_MAX + 1), STATEMENT_TOO_LONG)],
)
def test_a_statement_out_of_bounds_is_refused_on_its_field(text, message):
    with pytest.raises(InvalidInput) as refused:
        public_statement(text)
    assert (refused.value.message, refused.value.field) == (message, "public_statement")


def test_the_longest_statement_is_accepted():
    assert len(public_statement("a" * PUBLIC_STATEMENT_MAX)) == PUBLIC_STATEMENT_MAX


def test_the_status_keeps_the_reason_apart_from_the_public_note():
    today = date(2027, 1, 1)
    revoked = certificate_status(date(2030, 1, 1), date(2026, 5, 2), "Forged.", today, "Withdrawn.")
    assert (revoked.reason, revoked.public_note, revoked.revoked) == ("Forged.", "Withdrawn.", True)
    standard = certificate_status(date(2030, 1, 1), date(2026, 5, 2), "Forged.", today)
    assert standard.public_note == DEFAULT_PUBLIC_STATEMENT
    valid = certificate_status(date(2030, 1, 1), None, "", today)
    assert (valid.public_note, valid.revoked) == ("", False)
