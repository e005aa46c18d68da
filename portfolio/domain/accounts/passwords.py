"""The password policy: long enough, not absurdly long, hard to guess, not the person's own name.

Follows NIST SP 800-63B: length and a check against known and guessable passwords matter;
composition rules ("one digit, one symbol") do not, so there are none. Guessability comes from
zxcvbn (offline: its frequency lists of leaked passwords, words, names and keyboard patterns
ship with the package), told the person's email and name so that variations of them count as
easy. Pure: callers pass the person's email and name.
"""

from __future__ import annotations

import threading

from zxcvbn import zxcvbn

from portfolio.domain.errors import InvalidInput

MIN_LENGTH = 12
# Hashing cost grows with length; nobody types more than this.
MAX_LENGTH = 1024
# zxcvbn's scores: 3 means about 10^8 guesses or more ("safely unguessable" against online
# attacks and a slowed-down offline one); 0 to 2 are refused.
MIN_SCORE = 3
# zxcvbn's time grows faster than the square of the length (0.17 s at 64 characters, 100 s at
# 1,024), so it judges the first 64: a password whose start is hard to guess is hard to guess.
SCORED_PREFIX = 64
# zxcvbn keeps the user inputs in a module-level dictionary during each call: one at a time.
_ZXCVBN_LOCK = threading.Lock()


def _folded(text: str) -> str:
    return "".join(text.split()).casefold()


def _personal_words(email: str, name: str) -> set[str]:
    """The email, its local part and the name, each without spaces and case-folded."""
    words = {_folded(email), _folded(email.partition("@")[0]), _folded(name)}
    return {word for word in words if word}


def _guessable(password: str, personal: list[str]) -> str | None:
    """Why `password` is easy to guess, as a sentence; None when it scores MIN_SCORE or more."""
    with _ZXCVBN_LOCK:
        result = zxcvbn(password[:SCORED_PREFIX], user_inputs=personal, max_length=SCORED_PREFIX)
    if result["score"] >= MIN_SCORE:
        return None
    warning = result["feedback"]["warning"]
    return " ".join(
        part
        for part in (
            "This password is too easy to guess.",
            warning if warning.endswith(".") else f"{warning}." if warning else "",
            "Choose one that is harder to guess, such as a few unrelated words.",
        )
        if part
    )


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Every reason `password` is refused, as sentences a person can act on; [] when fine."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    folded = _folded(password)
    if folded and folded in _personal_words(email, name):
        problems.append("Do not use your email address or your name as your password.")
    elif MIN_LENGTH <= len(password) <= MAX_LENGTH:  # too short or long: that is enough to fix
        # zxcvbn then counts these, and the name's words, as words an attacker tries first.
        personal = [*_personal_words(email, name), *name.split()]
        guessable = _guessable(password, personal)
        if guessable:
            problems.append(guessable)
    return problems


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise InvalidInput (field "password") naming every problem; return when it is acceptable."""
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise InvalidInput(" ".join(problems), field="password")
