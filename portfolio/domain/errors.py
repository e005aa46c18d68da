"""Typed errors. web/errors.py maps each to one HTTP status, in one place."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of every error a user can cause; its message is safe to show.

    `problems` (field -> message) holds every problem found when a form is checked as a whole,
    so the page can list them all at once; `message` and `field` are the first of them.
    """

    status = 400

    def __init__(
        self, message: str, *, field: str | None = None, problems: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems = dict(problems) if problems else ({field: message} if field else {})

    @classmethod
    def listing(cls, problems: Mapping[str, str]) -> DomainError:
        """One error for every problem of a form (at least one): the first gives the message."""
        field, message = next(iter(problems.items()))
        return cls(message, field=field, problems=problems)


class InvalidInput(DomainError):
    """The request is well formed but a value breaks a rule (422)."""

    status = 422


class BadRequest(DomainError):
    status = 400


class NotFound(DomainError):
    """Missing, or not the caller's to see: the two look the same on purpose (404)."""

    status = 404


class Unauthorized(DomainError):
    """No credentials, or credentials that do not work: unknown, expired or revoked (401)."""

    status = 401


class Forbidden(DomainError):
    status = 403


class Gone(DomainError):
    """The thing existed but is no longer to be had, e.g. a revoked certificate's PDF (410)."""

    status = 410


class Conflict(DomainError):
    """The object changed under the caller, or is in a state that forbids this (409)."""

    status = 409


class StaleVersion(Conflict):
    """The text was edited from an older version than the one stored (optimistic locking):
    nothing was written (409). A Conflict like any other to the pages; the JSON API tells a
    script to read the object again."""


class FrameworkFileError(InvalidInput):
    """A framework document failed validation; `path` names the bad field, e.g. sets[2].code."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message, field=path or None)
        self.path = path


class CorruptSnapshot(DomainError):
    """A stored submission snapshot that cannot be read as it was written: its bytes no longer
    match their SHA-256, its format is unknown, or a part is malformed. Readers show this page
    instead of part of the evidence (409: the stored state forbids showing it)."""

    status = 409

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The frozen copy of this submission cannot be shown: {reason}. Nothing was "
            "changed; ask the program office to look into it."
        )
        self.reason = reason
