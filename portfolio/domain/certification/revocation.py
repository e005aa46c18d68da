"""What the public reads about a revoked certificate.

The program office revokes with two texts: its reason (internal: the audit trail, the office's
pages and the holder's own account) and, optionally, a public statement, the only words the
certificate's public page shows. Without a statement the page shows DEFAULT_PUBLIC_STATEMENT,
so the internal reason never reaches the public by default.
"""

from __future__ import annotations

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reasons import REASON_MIN

PUBLIC_STATEMENT_MAX = 500
DEFAULT_PUBLIC_STATEMENT = (
    "The program office has revoked this certificate: it no longer certifies its holder."
)
STATEMENT_TOO_SHORT = (
    f"Write at least {REASON_MIN} characters, or leave the public statement empty to use the "
    "standard wording."
)
STATEMENT_TOO_LONG = f"Keep the public statement to {PUBLIC_STATEMENT_MAX} characters or fewer."


def public_statement(text: str, *, field: str = "public_statement") -> str:
    """The statement as it will be stored: trimmed, lines joined by single spaces; "" for none.

    InvalidInput on `field` when it is shorter than REASON_MIN characters (but not empty) or
    longer than PUBLIC_STATEMENT_MAX.
    """
    statement = " ".join(text.split())
    if not statement:
        return ""
    if len(statement) < REASON_MIN:
        raise InvalidInput(STATEMENT_TOO_SHORT, field=field)
    if len(statement) > PUBLIC_STATEMENT_MAX:
        raise InvalidInput(STATEMENT_TOO_LONG, field=field)
    return statement


def public_wording(statement: str) -> str:
    """The words the public page shows for a revoked certificate with this stored statement."""
    return statement or DEFAULT_PUBLIC_STATEMENT
