"""Combining reviewers' ratings: one competency from a pair, then a whole set against the rules.

The rule (DESIGN.md, LSSCP.md section 2): equal ratings stand; Met with Partially met counts as
Met; a differing pair that includes Not met goes to a third reviewer, whose rating stands. A set
is met when enough competencies are Met, few enough Partially met and few enough Not met, as the
program's pass thresholds say. Every result carries the reason it was reached.

A provisional competency (one the program office has not confirmed yet, e.g. LSSCP's
"To be confirmed" items) is rated and shown, but never counted: it takes no part in the
thresholds and never goes to a third reviewer.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import PassThresholds, ProgramRules

PAIR = 2  # the combine rule is written for two reviewers


@functools.total_ordering
class Rating(enum.Enum):
    """A reviewer's rating of one competency, ordered NOT_MET < PARTIALLY_MET < MET."""

    NOT_MET = "not_met"
    PARTIALLY_MET = "partially_met"
    MET = "met"

    # Members are singletons compared by identity, so identity hashing is consistent, and it
    # is C code: Enum's own __hash__ is Python and dominated the quality page's statistics.
    __hash__ = object.__hash__

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return _LABEL[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Rating):
            return NotImplemented
        return self.rank < other.rank


_RANK = {Rating.NOT_MET: 0, Rating.PARTIALLY_MET: 1, Rating.MET: 2}
_LABEL = {Rating.NOT_MET: "Not met", Rating.PARTIALLY_MET: "Partially met", Rating.MET: "Met"}


def parse_rating(value: str, *, field: str | None = None) -> Rating:
    """The Rating whose value is `value` ("met", "partially_met", "not_met"); else InvalidInput."""
    try:
        return Rating(value)
    except ValueError:
        raise InvalidInput(
            "must be one of: met, partially_met, not_met", field=field or "rating"
        ) from None


class CombineRule(enum.StrEnum):
    """Which part of the combine rule produced a competency's result (stored with the reasons)."""

    AGREEMENT = "agreement"
    MET_WITH_PARTIAL = "met_with_partial"
    ADJUDICATION_REQUIRED = "adjudication_required"
    ADJUDICATED = "adjudicated"
    NOT_COUNTED = "not_counted"  # a provisional competency: rated, shown, not counted


@dataclass(frozen=True)
class CompetencyResult:
    """The combined rating of one competency and why.

    `ratings` holds the two reviewers' ratings, highest first, so the result does not depend on
    which reviewer is "first". `rating` is None while a third reviewer is needed.
    """

    ratings: tuple[Rating, Rating]
    rating: Rating | None
    rule: CombineRule
    explanation: str
    adjudicator_rating: Rating | None = None

    @property
    def counted(self) -> bool:
        return self.rule is not CombineRule.NOT_COUNTED

    @property
    def needs_adjudication(self) -> bool:
        return self.counted and self.rating is None


def combine_pair(a: Rating, b: Rating) -> CompetencyResult:
    """Combine two reviewers' ratings of one competency (symmetric in a and b)."""
    high, low = max(a, b), min(a, b)
    if high == low:
        return CompetencyResult(
            (high, low), high, CombineRule.AGREEMENT, f"Both reviewers rated it {high.label}."
        )
    said = f"One reviewer rated it {high.label} and the other {low.label}"
    if low is Rating.PARTIALLY_MET:  # then high is MET
        return CompetencyResult(
            (high, low),
            Rating.MET,
            CombineRule.MET_WITH_PARTIAL,
            f"{said}; Met with Partially met counts as Met.",
        )
    return CompetencyResult(
        (high, low),
        None,
        CombineRule.ADJUDICATION_REQUIRED,
        f"{said}; a third reviewer decides.",
    )


PROVISIONAL_NOTE = "Provisional: it does not count toward the set until the program confirms it."


def not_counted(a: Rating, b: Rating) -> CompetencyResult:
    """Two ratings of a provisional competency: combined as usual where the rule needs no
    third reviewer (none is asked otherwise), with why they do not count."""
    pair = combine_pair(a, b)
    high, low = pair.ratings
    said = (
        f"One reviewer rated it {high.label} and the other {low.label}."
        if pair.needs_adjudication
        else pair.explanation
    )
    return CompetencyResult(
        pair.ratings, pair.rating, CombineRule.NOT_COUNTED, f"{said} {PROVISIONAL_NOTE}"
    )


def resolve_with_adjudication(pair_result: CompetencyResult, third: Rating) -> CompetencyResult:
    """The third reviewer's rating stands. InvalidInput if the pair needed no third reviewer."""
    if not pair_result.needs_adjudication:
        raise InvalidInput("This competency does not need a third reviewer.", field="adjudication")
    high, low = pair_result.ratings
    return CompetencyResult(
        pair_result.ratings,
        third,
        CombineRule.ADJUDICATED,
        f"The reviewers rated it {high.label} and {low.label}; "
        f"the third reviewer rated it {third.label}, and that rating stands.",
        adjudicator_rating=third,
    )


class SetStatus(enum.StrEnum):
    """Same values as models.reviews.OutcomeStatus, which adds the closed state."""

    MET = "met"
    NOT_YET_MET = "not_yet_met"
    NEEDS_ADJUDICATION = "needs_adjudication"


@dataclass(frozen=True)
class SetCheck:
    """One threshold test of a set, e.g. key "min_met", passed False, with its sentence."""

    key: str
    passed: bool
    text: str


@dataclass(frozen=True)
class SetOutcome:
    """The outcome of a set. `results` follows the order of the set's competencies."""

    status: SetStatus
    results: Mapping[str, CompetencyResult]
    met_count: int
    partially_met_count: int
    not_met_count: int
    checks: tuple[SetCheck, ...]
    pending: tuple[str, ...]  # competency codes still waiting for a third reviewer

    @property
    def met(self) -> bool:
        return self.status is SetStatus.MET

    @property
    def total(self) -> int:
        """How many competencies count (provisional ones do not)."""
        return sum(1 for result in self.results.values() if result.counted)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(check.text for check in self.checks)

    def as_document(self) -> dict[str, Any]:
        """JSON-ready data to store with the outcome (models.reviews.SetOutcomeRecord.reasons)."""
        return {
            "status": self.status.value,
            "counts": {
                "met": self.met_count,
                "partially_met": self.partially_met_count,
                "not_met": self.not_met_count,
                "pending": len(self.pending),
                "total": self.total,
            },
            "checks": [{"key": c.key, "passed": c.passed, "text": c.text} for c in self.checks],
            "competencies": {
                code: {
                    "ratings": [rating.value for rating in result.ratings],
                    "rating": result.rating.value if result.rating else None,
                    "rule": result.rule.value,
                    "explanation": result.explanation,
                    "adjudicator_rating": (
                        result.adjudicator_rating.value if result.adjudicator_rating else None
                    ),
                }
                for code, result in self.results.items()
            },
        }


def set_outcome(results: Mapping[str, CompetencyResult], thresholds: PassThresholds) -> SetOutcome:
    """Judge a set from its combined competency results (exact Fraction arithmetic)."""
    counted = [result for result in results.values() if result.counted]
    total = len(counted)
    if total == 0:
        raise InvalidInput(
            "A competency set needs at least one competency that counts.", field="competencies"
        )
    pending = tuple(code for code, result in results.items() if result.needs_adjudication)
    counts = dict.fromkeys(Rating, 0)
    for result in counted:
        if result.rating is not None:
            counts[result.rating] += 1
    met, partial, not_met = counts[Rating.MET], counts[Rating.PARTIALLY_MET], counts[Rating.NOT_MET]
    if pending:
        status = SetStatus.NEEDS_ADJUDICATION
        checks: tuple[SetCheck, ...] = (
            SetCheck(
                "adjudication",
                False,
                f"{_plural(len(pending), 'competency needs', 'competencies need')} "
                f"a third reviewer: {', '.join(pending)}",
            ),
        )
    else:
        checks = _threshold_checks(met, partial, not_met, total, thresholds)
        status = SetStatus.MET if all(c.passed for c in checks) else SetStatus.NOT_YET_MET
    return SetOutcome(status, dict(results), met, partial, not_met, checks, pending)


def _threshold_checks(
    met: int, partial: int, not_met: int, total: int, thresholds: PassThresholds
) -> tuple[SetCheck, ...]:
    met_share, partial_share = Fraction(met, total), Fraction(partial, total)
    of_total = f"of {_plural(total, 'competency', 'competencies')}"
    min_met, max_partial = thresholds.min_met, thresholds.max_partially_met
    shown_met = _share_text(met_share, min_met, failing_is_up=False)
    shown_partial = _share_text(partial_share, max_partial, failing_is_up=True)
    met_text = f"{met} {of_total} met ({shown_met}, at least {_percent(min_met)} needed)"
    partial_text = (
        f"{partial} {of_total} partially met ({shown_partial}, "
        f"at most {_percent(max_partial)} allowed)"
    )
    allowed = "none" if thresholds.max_not_met == 0 else f"at most {thresholds.max_not_met}"
    not_met_text = f"{not_met} {of_total} not met ({allowed} allowed)"
    return (
        SetCheck("min_met", met_share >= min_met, met_text),
        SetCheck("max_partially_met", partial_share <= max_partial, partial_text),
        SetCheck("max_not_met", not_met <= thresholds.max_not_met, not_met_text),
    )


def combine_reviews(
    reviews: Mapping[int, Mapping[str, Rating]],
    competency_codes: Sequence[str],
    rules: ProgramRules,
    adjudications: Mapping[str, Rating] | None = None,
    provisional: frozenset[str] = frozenset(),
) -> SetOutcome:
    """Combine the reviewers' ratings of one submitted set and judge the set.

    Codes in `provisional` are combined and kept with their reasons but not counted (and
    never sent to a third reviewer).

    `reviews` maps each reviewer id to that reviewer's rating of every competency code of the
    set; `adjudications` maps competency code to the third reviewer's rating, only for the
    competencies that need one. Raises InvalidInput when the rules ask for other than two
    reviewers, the number of reviewers differs from the rules, a reviewer skipped a competency
    or rated one outside the set, or an adjudication names a competency that needs none.
    """
    adjudications = adjudications or {}
    _check_reviews(reviews, competency_codes, rules.review.reviewers_per_portfolio)
    unknown = sorted(set(adjudications) - set(competency_codes))
    if unknown:
        raise InvalidInput(
            f"Third-reviewer ratings for competencies outside the set: {', '.join(unknown)}",
            field="adjudications",
        )
    results: dict[str, CompetencyResult] = {}
    first, second = reviews.values()
    for code in competency_codes:
        if code in provisional:
            if code in adjudications:
                raise InvalidInput(
                    f"{code} does not need a third reviewer: it is provisional and not counted.",
                    field="adjudications",
                )
            results[code] = not_counted(first[code], second[code])
            continue
        result = combine_pair(first[code], second[code])
        if code in adjudications:
            if not result.needs_adjudication:
                raise InvalidInput(
                    f"{code} does not need a third reviewer: {result.explanation}",
                    field="adjudications",
                )
            result = resolve_with_adjudication(result, _checked(adjudications[code], code))
        results[code] = result
    return set_outcome(results, rules.pass_thresholds)


def _check_reviews(
    reviews: Mapping[int, Mapping[str, Rating]], codes: Sequence[str], expected: int
) -> None:
    if expected != PAIR:
        raise InvalidInput(
            f"The combine rule is defined for {PAIR} reviewers; the program asks for {expected}.",
            field="reviewers_per_portfolio",
        )
    if not codes:
        raise InvalidInput("A competency set needs at least one competency.", field="competencies")
    if len(set(codes)) != len(codes):
        raise InvalidInput("The set lists a competency twice.", field="competencies")
    if len(reviews) != expected:
        raise InvalidInput(
            f"Needs ratings from exactly {expected} reviewers; got {len(reviews)}.",
            field="reviews",
        )
    wanted = set(codes)
    for reviewer, ratings in reviews.items():
        missing = [code for code in codes if code not in ratings]
        if missing:
            raise InvalidInput(
                f"Reviewer {reviewer} has not rated: {', '.join(missing)}", field="reviews"
            )
        extra = sorted(set(ratings) - wanted)
        if extra:
            raise InvalidInput(
                f"Reviewer {reviewer} rated competencies outside the set: {', '.join(extra)}",
                field="reviews",
            )
        for code, rating in ratings.items():
            _checked(rating, code)


def _checked(rating: object, code: str) -> Rating:
    # Callers pass values read from the database; a stray string must not slip through.
    if not isinstance(rating, Rating):
        raise InvalidInput(f"{code}: {rating!r} is not a rating", field="reviews")
    return rating


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _share_text(share: Fraction, threshold: Fraction, *, failing_is_up: bool) -> str:
    """A share beside its threshold; one that misses must not print as the threshold itself."""
    shown = _percent(share)
    if share != threshold and shown == _percent(threshold):
        # e.g. 69.96% would print "70%" beside "at least 70%": round toward the failing side.
        shown = _percent(share, up=failing_is_up)
    return shown


def _percent(share: Fraction, *, up: bool | None = None) -> str:
    """A share as a percentage to one decimal: "70%", "68.7%"; `up` picks the rounding."""
    tenths = share * 1000
    rounded = round(tenths) if up is None else (math.ceil(tenths) if up else math.floor(tenths))
    whole, tenth = divmod(rounded, 10)
    return f"{whole}%" if tenth == 0 else f"{whole}.{tenth}%"
