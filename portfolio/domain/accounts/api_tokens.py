"""Personal access tokens for the JSON API: which scopes exist (reads, and one write: your
portfolio's narratives and learning statement), which a person's roles allow, how long a token
may live, and how a token is fingerprinted for storage.

A token never grants more than its owner's roles allow, now: the scopes a token was made with
are intersected with what the owner's roles allow each time it is used, so taking a role away
also takes it away from every token of that person.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from portfolio.domain.errors import InvalidInput
from portfolio.domain.text import one_line

TOKEN_PREFIX = "pat_"  # noqa: S105 - marks a token as ours, not a secret
SHOWN_PREFIX_LENGTH = 12  # "pat_" and 8 random characters: enough to tell tokens apart
MAX_NAME_LENGTH = 100
MAX_TOKENS_PER_PERSON = 20
LIFETIMES_DAYS = (7, 30, 90, 365)
DEFAULT_LIFETIME_DAYS = 30
# The last-used time is bookkeeping, not a change to anything the API serves: it is written at
# most this often per token, so a busy script costs one small UPDATE every few minutes.
LAST_USED_PRECISION = timedelta(minutes=5)


class Scope(enum.StrEnum):
    READ_APPLICATIONS = "read:applications"
    READ_ENROLLMENTS = "read:enrollments"
    READ_PORTFOLIO = "read:portfolio"
    WRITE_PORTFOLIO = "write:portfolio"
    READ_CERTIFICATION = "read:certification"
    READ_REVIEWS = "read:reviews"
    READ_REPORTS = "read:reports"


@dataclass(frozen=True, slots=True)
class ScopeInfo:
    scope: Scope
    label: str
    needs_role: str | None  # None: anyone with an account (their own things only)


SCOPES = (
    ScopeInfo(Scope.READ_APPLICATIONS, "Read your applications", None),
    ScopeInfo(Scope.READ_ENROLLMENTS, "Read your enrollments, their sets and statuses", None),
    ScopeInfo(Scope.READ_PORTFOLIO, "Read your portfolio: entries and artifact details", None),
    ScopeInfo(
        Scope.WRITE_PORTFOLIO, "Edit your portfolio's narratives and learning statement", None
    ),
    ScopeInfo(
        Scope.READ_CERTIFICATION,
        "Read certification decisions and certificates (yours; administrators: everyone's)",
        None,
    ),
    ScopeInfo(Scope.READ_REVIEWS, "Read the review assignments given to you", "reviewer"),
    ScopeInfo(Scope.READ_REPORTS, "Read reports (cohorts, at-risk list)", "administrator"),
)


def allowed_scopes(roles: Iterable[str]) -> set[Scope]:
    """The scopes a person holding `roles` may give a token (and that a token of theirs has)."""
    held = {str(role) for role in roles}
    return {info.scope for info in SCOPES if info.needs_role is None or info.needs_role in held}


def offered_scopes(roles: Iterable[str]) -> list[ScopeInfo]:
    """The scopes to offer on the token form, in a fixed order."""
    allowed = allowed_scopes(roles)
    return [info for info in SCOPES if info.scope in allowed]


def check_new_token(
    name: str, scopes: Collection[str], lifetime_days: int, roles: Iterable[str], existing: int
) -> tuple[str, list[Scope]]:
    """The cleaned name and scopes of a token to make, or InvalidInput naming the field."""
    cleaned = one_line(name)
    if not cleaned:
        raise InvalidInput("Give the token a name, so you know later what uses it.", field="name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"Keep the name under {MAX_NAME_LENGTH} characters.", field="name")
    if not scopes:
        raise InvalidInput("Choose at least one thing the token may do.", field="scopes")
    allowed = allowed_scopes(roles)
    chosen: list[Scope] = []
    for value in scopes:
        try:
            scope = Scope(value)
        except ValueError:
            raise InvalidInput("That scope does not exist.", field="scopes") from None
        if scope not in allowed:
            raise InvalidInput(f"Your roles do not allow a token to {scope.value}.", field="scopes")
        if scope not in chosen:
            chosen.append(scope)
    if lifetime_days not in LIFETIMES_DAYS:
        raise InvalidInput("Choose one of the lifetimes offered.", field="lifetime")
    if existing >= MAX_TOKENS_PER_PERSON:
        raise InvalidInput(
            f"You already have {MAX_TOKENS_PER_PERSON} tokens: revoke one you no longer use.",
            field="name",
        )
    return cleaned, sorted(chosen, key=list(Scope).index)


def fingerprint(token: str) -> str:
    """What is stored of a token: its SHA-256 (a token is 256 random bits, so no salt or slow
    hash is needed: nobody can guess one from its digest)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_fingerprint(stored: str, token: str) -> bool:
    return hmac.compare_digest(stored, fingerprint(token))


def looks_like_token(text: str) -> bool:
    return text.startswith(TOKEN_PREFIX) and 20 <= len(text) <= 100 and text.isascii()


def usable_scopes(granted: Iterable[str], roles: Iterable[str]) -> set[Scope]:
    """What a token may do now: what it was given, within what its owner's roles allow today."""
    allowed = allowed_scopes(roles)
    known = {scope.value for scope in Scope}
    return {Scope(value) for value in granted if value in known} & allowed


def last_use_is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USED_PRECISION
