"""Choosing reviewers for a submitted competency set, and saying why others were passed over.

A reviewer can be chosen when they are active, qualified for the set, not the candidate, free of
conflicts (not the candidate's supervisor, not at the candidate's library, no declared
conflict), past their calibration exercise, available today and under capacity. Among those,
the least loaded come first. A reviewer of the candidate's previous submission of the same set
comes last (a fresh view), or first for a resubmission when the caller asks for the same eyes
again.
"""

from __future__ import annotations

import enum
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from portfolio.domain.errors import InvalidInput


@dataclass(frozen=True)
class ReviewerStanding:
    """What choosing needs to know about one reviewer; `id` is the reviewer's user id.

    `unavailable` holds inclusive (first day, last day) ranges.
    """

    id: int
    qualified_set_codes: frozenset[str]
    capacity: int
    open_reviews: int
    unavailable: tuple[tuple[date, date], ...] = ()
    library: str | None = None
    active: bool = True
    # New reviewers score a calibration anchor before their first real review.
    awaiting_calibration: bool = False


@dataclass(frozen=True)
class Candidate:
    """The candidate whose set is being reviewed, with everything that rules a reviewer out."""

    id: int
    library: str | None = None
    supervisor_ids: frozenset[int] = frozenset()
    conflicted_reviewer_ids: frozenset[int] = frozenset()
    previous_reviewer_ids: frozenset[int] = frozenset()  # of this candidate's same set


class PassedOver(enum.StrEnum):
    """Why a reviewer was not eligible; at most one reason per reviewer, the first that applies."""

    EXCLUDED = "excluded"
    IS_CANDIDATE = "is_candidate"
    INACTIVE = "inactive"
    NOT_QUALIFIED = "not_qualified"
    SUPERVISOR = "supervisor"
    SAME_LIBRARY = "same_library"
    DECLARED_CONFLICT = "declared_conflict"
    AWAITING_CALIBRATION = "awaiting_calibration"
    UNAVAILABLE = "unavailable"
    AT_CAPACITY = "at_capacity"


@dataclass(frozen=True)
class AssignmentResult:
    """The reviewers chosen, best first; when too few, `reasons` says why nobody else fits."""

    chosen: tuple[int, ...]
    wanted: int
    passed_over: Mapping[int, PassedOver]  # reviewer id -> why they were not eligible
    reasons: tuple[str, ...]

    @property
    def shortfall(self) -> int:
        return self.wanted - len(self.chosen)


def choose_reviewers(
    set_code: str,
    candidate: Candidate,
    profiles: Iterable[ReviewerStanding],
    how_many: int,
    today: date,
    exclude: Iterable[int] = (),
    *,
    prefer_previous: bool = False,
) -> AssignmentResult:
    """Choose up to `how_many` distinct eligible reviewers for `candidate`'s set `set_code`.

    `exclude` holds reviewer ids the caller rules out (already assigned to this submission,
    declined it). Order: previous reviewers last (first with `prefer_previous`), then lowest
    open_reviews/capacity, then fewest open reviews, then lowest id. Raises InvalidInput when
    how_many is below 1 or a reviewer is listed twice.
    """
    if how_many < 1:
        raise InvalidInput("At least one reviewer must be asked for.", field="how_many")
    excluded = frozenset(exclude)
    roster = list(profiles)
    eligible: list[ReviewerStanding] = []
    passed_over: dict[int, PassedOver] = {}
    seen: set[int] = set()
    for profile in roster:
        if profile.id in seen:
            raise InvalidInput(f"Reviewer {profile.id} is listed twice.", field="profiles")
        seen.add(profile.id)
        reason = _why_not(profile, set_code, candidate, today, excluded)
        if reason is None:
            eligible.append(profile)
        else:
            passed_over[profile.id] = reason

    def preference(profile: ReviewerStanding) -> tuple[bool, Fraction, int, int]:
        is_previous = profile.id in candidate.previous_reviewer_ids
        return (
            is_previous != prefer_previous,  # False sorts first
            Fraction(profile.open_reviews, profile.capacity),
            profile.open_reviews,
            profile.id,
        )

    chosen = tuple(p.id for p in sorted(eligible, key=preference)[:how_many])
    reasons: tuple[str, ...] = ()
    if len(chosen) < how_many:
        by_id = {p.id: p for p in roster}
        reasons = _shortfall_reasons(set_code, bool(chosen), passed_over, by_id, today)
    return AssignmentResult(chosen, how_many, passed_over, reasons)


def same_library(a: str | None, b: str | None) -> bool:
    """Library names match ignoring case, spaces and invisible characters (a zero-width space
    or a direction mark typed or pasted into one name must not hide a conflict of interest),
    with compatibility forms read as their letters (full-width letters as plain ones); an empty
    name matches nothing."""
    left, right = _library_key(a), _library_key(b)
    return bool(left) and left == right


def unavailable_through(profile: ReviewerStanding, day: date) -> date | None:
    """The last day of the unbroken unavailability that covers `day`, or None if available.

    Ranges that overlap or follow each other day by day read as one absence.
    """
    last: date | None = None
    probe = day
    while True:
        covering = [final for first, final in profile.unavailable if first <= probe <= final]
        if not covering:
            return last
        last = max(covering)
        if last == date.max:
            return last
        probe = last + timedelta(days=1)


def in_conflict(reviewer_id: int, reviewer_library: str | None, candidate: Candidate) -> bool:
    """Whether this reviewer must never read this candidate's evidence, whatever the purpose
    (review or calibration): the candidate themself, their supervisor, a colleague at the same
    library, or a declared conflict."""
    return (
        reviewer_id == candidate.id
        or reviewer_id in candidate.supervisor_ids
        or reviewer_id in candidate.conflicted_reviewer_ids
        or same_library(reviewer_library, candidate.library)
    )


def _why_not(
    profile: ReviewerStanding,
    set_code: str,
    candidate: Candidate,
    today: date,
    excluded: frozenset[int],
) -> PassedOver | None:
    # Permanent reasons first, so the summary says "works at the candidate's library" rather
    # than "at capacity" for someone who could never take this review anyway.
    checks = (
        (profile.id in excluded, PassedOver.EXCLUDED),
        (profile.id == candidate.id, PassedOver.IS_CANDIDATE),
        (not profile.active, PassedOver.INACTIVE),
        (set_code not in profile.qualified_set_codes, PassedOver.NOT_QUALIFIED),
        (profile.id in candidate.supervisor_ids, PassedOver.SUPERVISOR),
        (same_library(profile.library, candidate.library), PassedOver.SAME_LIBRARY),
        (profile.id in candidate.conflicted_reviewer_ids, PassedOver.DECLARED_CONFLICT),
        (profile.awaiting_calibration, PassedOver.AWAITING_CALIBRATION),
        (unavailable_through(profile, today) is not None, PassedOver.UNAVAILABLE),
        (profile.open_reviews >= profile.capacity, PassedOver.AT_CAPACITY),
    )
    return next((reason for failed, reason in checks if failed), None)


def _library_key(name: str | None) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    visible = (c for c in text if unicodedata.category(c) != "Cf" and not c.isspace())
    return "".join(visible).casefold()


_TEMPLATES = {
    PassedOver.EXCLUDED: ("is excluded from this submission", "are excluded from this submission"),
    PassedOver.IS_CANDIDATE: ("is the candidate", "are the candidate"),
    PassedOver.INACTIVE: ("is inactive", "are inactive"),
    PassedOver.NOT_QUALIFIED: ("is not qualified for {set}", "are not qualified for {set}"),
    PassedOver.SUPERVISOR: ("supervises the candidate", "supervise the candidate"),
    PassedOver.SAME_LIBRARY: (
        "works at the candidate's library",
        "work at the candidate's library",
    ),
    PassedOver.DECLARED_CONFLICT: (
        "has a declared conflict with the candidate",
        "have a declared conflict with the candidate",
    ),
    PassedOver.AWAITING_CALIBRATION: (
        "has not yet scored a calibration exercise",
        "have not yet scored a calibration exercise",
    ),
    PassedOver.AT_CAPACITY: ("is at capacity", "are at capacity"),
}


def _shortfall_reasons(
    set_code: str,
    some_chosen: bool,
    passed_over: Mapping[int, PassedOver],
    by_id: Mapping[int, ReviewerStanding],
    today: date,
) -> tuple[str, ...]:
    if not passed_over:
        return (f"No {'other ' if some_chosen else ''}reviewer is qualified for {set_code}",)
    counts = Counter(passed_over.values())
    reasons = []
    for reason in PassedOver:
        if reason is PassedOver.UNAVAILABLE:
            back = Counter(
                unavailable_through(by_id[rid], today)
                for rid, why in passed_over.items()
                if why is reason
            )
            for last_day, count in sorted(back.items(), key=lambda item: str(item[0])):
                verb = "is" if count == 1 else "are"
                reasons.append(f"{_who(count, reason)} {verb} unavailable through {last_day}")
        elif counts[reason]:
            one, many = _TEMPLATES[reason]
            text = (one if counts[reason] == 1 else many).format(set=set_code)
            reasons.append(f"{_who(counts[reason], reason)} {text}")
    return tuple(reasons)


def _who(count: int, reason: PassedOver) -> str:
    # Past the qualification check everyone is qualified; saying so tells an administrator
    # "we have people, they are busy" rather than "recruit more reviewers".
    noun = "qualified reviewer" if _ORDER[reason] > _ORDER[PassedOver.NOT_QUALIFIED] else "reviewer"
    return f"{count} {noun if count == 1 else noun + 's'}"


_ORDER = {reason: position for position, reason in enumerate(PassedOver)}
