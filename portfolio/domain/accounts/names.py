"""A person's name as the account keeps it, and who may change it.

The name is what reviewers (when not blind), supervisors and the office read, and what a
certificate's public page prints; so it is kept without bidi controls (domain.text), and once
a certificate carries it, only the program office changes it, with a written reason.
"""

from __future__ import annotations

from portfolio.domain.errors import InvalidInput
from portfolio.domain.text import one_line

NAME_MAX_LENGTH = 200
ON_A_CERTIFICATE = (
    "Your name is printed on your certificate, so the program office changes it: write to "
    "them with the name to use."
)


def clean_name(value: object) -> str:
    """The name as kept: bidi controls gone, space at either end and runs of space collapsed.
    InvalidInput (field "name") when nothing is left or it is too long."""
    text = one_line(value)
    if not text:
        raise InvalidInput("Enter your name.", field="name")
    if len(text) > NAME_MAX_LENGTH:
        raise InvalidInput(f"Use at most {NAME_MAX_LENGTH} characters.", field="name")
    return text
