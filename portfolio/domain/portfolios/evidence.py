"""Evidence on the portfolio route: what may change when, and what counts (snapshots: snapshots.py).

Decisions recorded here (see also DESIGN.md, "Evidence"):
- A competency "has evidence" when its narrative is not blank AND at least one usable artifact
  (a link, or a file whose upload is verified) supports it: the narrative is the candidate's
  account, the artifact the proof of it. A provisional competency (not confirmed by the
  program office yet) takes evidence but does not require it.
- Evidence of a set may be edited while the lifecycle allows save_draft (not started, draft,
  not yet met) and also while a submission waits on reviewers: such an edit changes only the
  live draft, never the submitted snapshot. A set that is met or closed is finished: its
  evidence is refused (409).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.lifecycle import (
    UNDER_REVIEW,
    SetEvent,
    SetLifecycle,
    allowed_events,
    transition,
)

STALE_MESSAGE = (
    "This was changed in another tab or window. Reload to see the latest version; "
    "your text is shown below so you can copy it."
)
ALREADY_SUBMITTED = "This set has already been submitted; the submission is not sent twice."

MAX_STATEMENT = 20_000
MAX_NARRATIVE = 50_000
MAX_CAPTION = 300
MAX_DESCRIPTION = 5_000
MAX_URL = 2_000
LINK_SCHEMES = frozenset({"http", "https"})

# Waiting on reviewers: edits go to the live draft and leave the status (and snapshot) alone.
WAITING_ON_REVIEW = UNDER_REVIEW


def status_after_edit(current: SetLifecycle) -> SetLifecycle:
    """The set's status once its evidence changes; Conflict (409) when it may not change."""
    if SetEvent.SAVE_DRAFT in allowed_events(current):
        return transition(current, SetEvent.SAVE_DRAFT)
    if current in WAITING_ON_REVIEW:
        return current
    raise Conflict(f"This set is {current.label}: its evidence can no longer be changed.")


def clean_text(value: object, *, field: str, label: str, limit: int) -> str:
    """`value` as stored text: NUL characters dropped (no database keeps them), line ends
    normalised to \\n. InvalidInput naming `field` when it is not text or longer than `limit`."""
    if not isinstance(value, str):
        raise InvalidInput(f"{label} must be text.", field=field)
    text = value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limit:
        raise InvalidInput(
            f"{label} is {len(text):,} characters long; the most is {limit:,}.", field=field
        )
    return text


def check_link_url(value: object) -> str:
    """A link artifact's address: absolute http or https, at most MAX_URL characters, no
    spaces or control characters, no user name or password. InvalidInput (field "url")."""
    if not isinstance(value, str) or not value.strip():
        raise _bad_url("Enter the web address of the evidence.")
    url = value.strip()
    if len(url) > MAX_URL:
        raise _bad_url(f"A web address can be at most {MAX_URL:,} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise _bad_url("A web address cannot contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise _bad_url("That is not a valid web address.") from None
    if parts.scheme.lower() not in LINK_SCHEMES:
        raise _bad_url("Use a web address that starts with https:// or http://.")
    if not parts.hostname:
        raise _bad_url("The web address needs a site name, e.g. https://example.org/.")
    if parts.username is not None or parts.password is not None:
        raise _bad_url("Remove the user name and password from the web address.")
    return url


def _bad_url(message: str) -> InvalidInput:
    return InvalidInput(message, field="url")


@dataclass(frozen=True)
class CompetencyEvidence:
    """What one competency of a set has, as the summary and the submit check see it."""

    competency_id: int
    code: str
    title: str
    narrative_words: int
    usable_artifacts: int  # links, and files whose upload is verified
    unusable_artifacts: int  # files whose upload is missing or not verified
    # Not confirmed by the program office yet: evidence is welcome but not required.
    provisional: bool = False

    @property
    def has_narrative(self) -> bool:
        return self.narrative_words > 0

    @property
    def has_evidence(self) -> bool:
        return self.has_narrative and self.usable_artifacts > 0

    def gaps(self) -> list[str]:
        """What is missing, in words (empty when the competency has evidence)."""
        missing = []
        if not self.has_narrative:
            missing.append("a narrative")
        if self.usable_artifacts == 0:
            missing.append("at least one artifact")
        return missing


def missing_evidence(items: Iterable[CompetencyEvidence]) -> list[str]:
    """One line per competency without evidence, e.g. "FOUND-2 (Ethics): add a narrative".
    A provisional competency is never missing anything: it is not required."""
    lines = []
    for item in items:
        if item.provisional:
            continue
        gaps = item.gaps()
        if gaps:
            lines.append(f"{item.code} ({item.title}): add {' and '.join(gaps)}")
        if item.unusable_artifacts:
            lines.append(
                f"{item.code} ({item.title}): remove or replace {item.unusable_artifacts} "
                "file(s) that could not be verified"
            )
    return lines


def word_count(text: str) -> int:
    return len(text.split())
