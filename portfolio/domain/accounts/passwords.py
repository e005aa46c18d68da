"""The password policy: long enough, not absurdly long, not common, not the person's own name.

Follows NIST SP 800-63B: length and a block list matter; composition rules ("one digit, one
symbol") do not, so there are none. Pure: callers pass the person's email and name.
"""

from __future__ import annotations

from portfolio.domain.accounts.common_passwords import COMMON_PASSWORDS
from portfolio.domain.errors import InvalidInput

MIN_LENGTH = 12
# Hashing cost grows with length; nobody types more than this.
MAX_LENGTH = 1024


def _folded(text: str) -> str:
    return "".join(text.split()).casefold()


def _personal_words(email: str, name: str) -> set[str]:
    """The email, its local part and the name, each without spaces and case-folded."""
    words = {_folded(email), _folded(email.partition("@")[0]), _folded(name)}
    return {word for word in words if word}


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Every reason `password` is refused, as sentences a person can act on; [] when fine."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    folded = _folded(password)
    if password.casefold() in COMMON_PASSWORDS or folded in COMMON_PASSWORDS:
        problems.append("This password is too common. Choose one that is harder to guess.")
    elif len(set(folded)) == 1:
        problems.append("Do not repeat a single character. Choose one that is harder to guess.")
    if folded and folded in _personal_words(email, name):
        problems.append("Do not use your email address or your name as your password.")
    return problems


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise InvalidInput (field "password") naming every problem; return when it is acceptable."""
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise InvalidInput(" ".join(problems), field="password")
