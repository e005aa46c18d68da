"""Program rules: one typed, immutable object read from a framework version's rules document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from portfolio.domain.errors import FrameworkFileError


@dataclass(frozen=True)
class EligibilityRules:
    experience_hours: int
    lookback_years: int
    weekly_hours_cap: int
    education: str  # e.g. "high_school"
    non_us_education_review: bool  # education from outside the US goes to case-by-case review


@dataclass(frozen=True)
class Scholarship:
    key: str
    name: str
    amount_cents: int
    members_only: bool  # members of the awarding body, not the member-price flag
    once_per_months: int  # counts every award from the same awarding body
    awarding_body: str = ""  # who gives it (e.g. "SSD"); "" means the program itself
    pooled: bool = False  # awarded only from pools of money given for it, while funds last


@dataclass(frozen=True)
class FeeRules:
    currency: str
    standard_cents: int
    member_cents: int
    scholarships: tuple[Scholarship, ...] = ()
    payment_instructions: str = ""  # how to pay, shown to candidates
    not_covered: str = ""  # what the fee does not pay for, e.g. course tuition
    member_of: str = ""  # whose members pay member_cents, e.g. "ALA"; "" says only "members"


@dataclass(frozen=True)
class ReviewRules:
    reviewers_per_portfolio: int
    resubmissions_allowed: int
    due_days: int
    blind: bool


@dataclass(frozen=True)
class PassThresholds:
    min_met: Fraction
    max_partially_met: Fraction
    max_not_met: int


@dataclass(frozen=True)
class CeUnit:
    """A unit continuing education is recorded in, and what one of it is worth in contact hours.

    `step` is the smallest part of a unit one may record (1: whole units only; 0.25: quarters)."""

    key: str
    label: str  # singular, e.g. "semester credit"
    plural: str  # e.g. "semester credits"
    hours_per_unit: Fraction
    step: Fraction


# For rules documents written before the conversions were data (LSSCP's [RENEW] figures).
DEFAULT_CE_UNITS = (
    CeUnit("semester_credit", "semester credit", "semester credits", Fraction(15), Fraction(1, 2)),
    CeUnit("quarter_credit", "quarter credit", "quarter credits", Fraction(10), Fraction(1, 2)),
    CeUnit(
        "workshop_hour",
        "workshop or seminar hour",
        "workshop or seminar hours",
        Fraction(1),
        Fraction(1, 4),
    ),
    CeUnit(
        "self_directed_hour",
        "documented self-directed hour",
        "documented self-directed hours",
        Fraction(1),
        Fraction(1, 4),
    ),
    CeUnit("conference_day", "conference day", "conference days", Fraction(6), Fraction(1, 2)),
)


@dataclass(frozen=True)
class RenewalRules:
    ce_hours: int
    ce_technology_hours: int
    window_months_before_expiry: int
    grace_months_after_expiry: int
    ce_units: tuple[CeUnit, ...] = DEFAULT_CE_UNITS
    fee_cents: int = 0  # 0: renewal is free
    reminder_months_before: tuple[int, ...] = (12, 6, 3, 1)
    min_activity_hours: int = 1  # one activity is at least this many contact hours
    max_activity_hours: int = 240  # and at most this many (a typo guard)

    def unit(self, key: str) -> CeUnit | None:
        return next((unit for unit in self.ce_units if unit.key == key), None)


@dataclass(frozen=True)
class RubricChoice:
    key: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class CourseApprovalRules:
    """How the program approves providers' courses (LSSCP.md, course approval)."""

    approval_fee_cents: int
    approval_years: int
    renewal_fee_cents: int
    renewal_years: int
    # A completion up to this many years before the approval date still counts.
    retroactive_years: int
    evaluators_per_course: int
    # The course-approval rubric: every criterion is rated with one of the levels.
    rubric_levels: tuple[RubricChoice, ...]
    rubric_criteria: tuple[RubricChoice, ...]

    def level_keys(self) -> tuple[str, ...]:
        return tuple(level.key for level in self.rubric_levels)


@dataclass(frozen=True)
class AppealRules:
    """The published appeal procedure's calendar days, each counted from the step before."""

    notice_days: int  # notice of intent, from the decision
    grounds_days: int  # full grounds, from the decision
    office_response_days: int  # the office's answer (or its statement it will not), from grounds
    committee_days: int  # the committee's ruling, from the office's answer


@dataclass(frozen=True)
class ProgramRules:
    required_sets: tuple[str, ...]
    electives_required: int
    eligibility: EligibilityRules
    fees: FeeRules
    completion_window_years: int
    review: ReviewRules
    pass_thresholds: PassThresholds
    certificate_validity_years: int
    renewal: RenewalRules
    notes: Mapping[str, str] = field(default_factory=dict)
    # A set met in an earlier enrollment need not be met again in a new one (LSSCP: a set once
    # achieved never has to be repeated).
    met_sets_carry_over: bool = False
    # None: the program approves no courses (its rules have no `courses` section).
    courses: CourseApprovalRules | None = None
    # None: the program publishes no appeal procedure, and its decisions cannot be appealed here.
    appeals: AppealRules | None = None


def _get(doc: Mapping[str, Any], key: str, kind: type, path: str) -> Any:
    where = f"{path}.{key}" if path else key
    if key not in doc:
        raise FrameworkFileError("is required", where)
    value = doc[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise FrameworkFileError("must be a whole number", where)
    if kind is bool and not isinstance(value, bool):
        raise FrameworkFileError("must be true or false", where)
    if kind is str and not isinstance(value, str):
        raise FrameworkFileError("must be text", where)
    if kind is dict and not isinstance(value, Mapping):
        raise FrameworkFileError("must be a mapping", where)
    if kind is list and not isinstance(value, list):
        raise FrameworkFileError("must be a list", where)
    if kind is int and value < 0:
        raise FrameworkFileError("must not be negative", where)
    return value


def _fraction(doc: Mapping[str, Any], key: str, path: str) -> Fraction:
    where = f"{path}.{key}"
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FrameworkFileError("must be a number between 0 and 1", where)
    try:
        result = Fraction(str(value))
    except (ValueError, ZeroDivisionError) as exc:
        raise FrameworkFileError("must be a number between 0 and 1", where) from exc
    if not 0 <= result <= 1:
        raise FrameworkFileError("must be a number between 0 and 1", where)
    return result


# Sensible ranges, so a typo (lookback_years: 100000) cannot make every application fail.
LIMITS: dict[str, tuple[int, int]] = {
    "electives_required": (0, 50),
    "completion_window_years": (1, 20),
    "certificate_validity_years": (1, 50),
    "eligibility.experience_hours": (0, 100_000),
    "eligibility.lookback_years": (1, 50),
    "eligibility.weekly_hours_cap": (1, 168),
    "fees.standard_cents": (0, 100_000_000),
    "fees.member_cents": (0, 100_000_000),
    "review.reviewers_per_portfolio": (1, 10),
    "review.resubmissions_allowed": (0, 10),
    "review.due_days": (1, 365),
    "pass_thresholds.max_not_met": (0, 1000),
    "renewal.ce_hours": (0, 10_000),
    "renewal.ce_technology_hours": (0, 10_000),
    "renewal.window_months_before_expiry": (0, 120),
    "renewal.grace_months_after_expiry": (0, 120),
    "renewal.fee_cents": (0, 100_000_000),
    "renewal.min_activity_hours": (1, 1000),
    "renewal.max_activity_hours": (1, 10_000),
    "courses.approval_fee_cents": (0, 100_000_000),
    "courses.approval_years": (1, 20),
    "courses.renewal_fee_cents": (0, 100_000_000),
    "courses.renewal_years": (1, 20),
    "courses.retroactive_years": (0, 20),
    "courses.evaluators_per_course": (1, 10),
    "appeals.notice_days": (1, 365),
    "appeals.grounds_days": (1, 365),
    "appeals.office_response_days": (1, 365),
    "appeals.committee_days": (1, 365),
}


def _optional_text(doc: Mapping[str, Any], key: str, path: str) -> str:
    if key not in doc or doc[key] is None:
        return ""
    return str(_get(doc, key, str, path)).strip()


def _check_limits(doc: Mapping[str, Any], path: str) -> None:
    for dotted, (low, high) in LIMITS.items():
        value: Any = doc
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high:
            raise FrameworkFileError(f"must be between {low:,} and {high:,}", f"{path}.{dotted}")


def _choices(doc: Mapping[str, Any], key: str, path: str) -> tuple[RubricChoice, ...]:
    items = _get(doc, key, list, path)
    where = f"{path}.{key}"
    if not items:
        raise FrameworkFileError("must list at least one", where)
    choices = []
    for i, item in enumerate(items):
        ip = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            raise FrameworkFileError("must be a mapping", ip)
        choices.append(
            RubricChoice(
                key=_get(item, "key", str, ip),
                label=_get(item, "label", str, ip),
                description=_optional_text(item, "description", ip),
            )
        )
    if len({c.key for c in choices}) != len(choices):
        raise FrameworkFileError("must not repeat a key", where)
    return tuple(choices)


def _course_rules(doc: Mapping[str, Any], path: str) -> CourseApprovalRules | None:
    if doc.get("courses") is None:
        return None
    courses = _get(doc, "courses", dict, path)
    cp = f"{path}.courses"
    rubric = _get(courses, "rubric", dict, cp)
    rb = f"{cp}.rubric"
    return CourseApprovalRules(
        approval_fee_cents=_get(courses, "approval_fee_cents", int, cp),
        approval_years=_get(courses, "approval_years", int, cp),
        renewal_fee_cents=_get(courses, "renewal_fee_cents", int, cp),
        renewal_years=_get(courses, "renewal_years", int, cp),
        retroactive_years=_get(courses, "retroactive_years", int, cp),
        evaluators_per_course=_get(courses, "evaluators_per_course", int, cp),
        rubric_levels=_choices(rubric, "levels", rb),
        rubric_criteria=_choices(rubric, "criteria", rb),
    )


def rules_from_document(doc: Mapping[str, Any], path: str = "rules") -> ProgramRules:
    """Parse and check a rules document; raises FrameworkFileError naming the bad field."""
    if not isinstance(doc, Mapping):
        raise FrameworkFileError("must be a mapping", path)
    _check_limits(doc, path)
    elig = _get(doc, "eligibility", dict, path)
    ep = f"{path}.eligibility"
    fees = _get(doc, "fees", dict, path)
    fp = f"{path}.fees"
    scholarships = []
    for i, item in enumerate(fees.get("scholarships", []) or []):
        sp = f"{fp}.scholarships[{i}]"
        if not isinstance(item, Mapping):
            raise FrameworkFileError("must be a mapping", sp)
        scholarships.append(
            Scholarship(
                key=_get(item, "key", str, sp),
                name=_get(item, "name", str, sp),
                amount_cents=_get(item, "amount_cents", int, sp),
                members_only=_get(item, "members_only", bool, sp),
                once_per_months=_get(item, "once_per_months", int, sp),
                awarding_body=_optional_text(item, "awarding_body", sp),
                pooled=bool(_get(item, "pooled", bool, sp)) if "pooled" in item else False,
            )
        )
    review = _get(doc, "review", dict, path)
    rp = f"{path}.review"
    thresholds = _get(doc, "pass_thresholds", dict, path)
    tp = f"{path}.pass_thresholds"
    renewal = _get(doc, "renewal", dict, path)
    np_ = f"{path}.renewal"
    required = _get(doc, "required_sets", list, path)
    for i, code in enumerate(required):
        if not isinstance(code, str):
            raise FrameworkFileError("must be a set code", f"{path}.required_sets[{i}]")
    notes = doc.get("notes") or {}
    if not isinstance(notes, Mapping) or not all(isinstance(v, str) for v in notes.values()):
        raise FrameworkFileError("must map names to text", f"{path}.notes")
    return ProgramRules(
        required_sets=tuple(required),
        electives_required=_get(doc, "electives_required", int, path),
        eligibility=EligibilityRules(
            experience_hours=_get(elig, "experience_hours", int, ep),
            lookback_years=_get(elig, "lookback_years", int, ep),
            weekly_hours_cap=_get(elig, "weekly_hours_cap", int, ep),
            education=_get(elig, "education", str, ep),
            non_us_education_review=_get(elig, "non_us_education_review", bool, ep),
        ),
        fees=FeeRules(
            currency=_get(fees, "currency", str, fp),
            standard_cents=_get(fees, "standard_cents", int, fp),
            member_cents=_get(fees, "member_cents", int, fp),
            scholarships=tuple(scholarships),
            payment_instructions=_optional_text(fees, "payment_instructions", fp),
            not_covered=_optional_text(fees, "not_covered", fp),
            member_of=_optional_text(fees, "member_of", fp),
        ),
        completion_window_years=_get(doc, "completion_window_years", int, path),
        review=ReviewRules(
            reviewers_per_portfolio=_get(review, "reviewers_per_portfolio", int, rp),
            resubmissions_allowed=_get(review, "resubmissions_allowed", int, rp),
            due_days=_get(review, "due_days", int, rp),
            blind=_get(review, "blind", bool, rp),
        ),
        pass_thresholds=PassThresholds(
            min_met=_fraction(thresholds, "min_met", tp),
            max_partially_met=_fraction(thresholds, "max_partially_met", tp),
            max_not_met=_get(thresholds, "max_not_met", int, tp),
        ),
        certificate_validity_years=_get(doc, "certificate_validity_years", int, path),
        renewal=RenewalRules(
            ce_hours=_get(renewal, "ce_hours", int, np_),
            ce_technology_hours=_get(renewal, "ce_technology_hours", int, np_),
            window_months_before_expiry=_get(renewal, "window_months_before_expiry", int, np_),
            grace_months_after_expiry=_get(renewal, "grace_months_after_expiry", int, np_),
            **_renewal_extras(renewal, np_),
        ),
        notes=dict(notes),
        met_sets_carry_over=(
            _get(doc, "met_sets_carry_over", bool, path) if "met_sets_carry_over" in doc else False
        ),
        courses=_course_rules(doc, path),
        appeals=_appeal_rules(doc, path),
    )


def _renewal_extras(doc: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The renewal rules that older documents lack (their defaults then apply)."""
    extras: dict[str, Any] = {}
    for key in ("fee_cents", "min_activity_hours", "max_activity_hours"):
        if key in doc:
            extras[key] = _get(doc, key, int, path)
    if extras.get("min_activity_hours", 1) > extras.get("max_activity_hours", 240):
        raise FrameworkFileError(
            "must not be more than max_activity_hours", f"{path}.min_activity_hours"
        )
    if "reminder_months_before" in doc:
        months = _get(doc, "reminder_months_before", list, path)
        if not all(
            isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 120 for m in months
        ):
            raise FrameworkFileError(
                "must be whole numbers of months from 1 to 120", f"{path}.reminder_months_before"
            )
        extras["reminder_months_before"] = tuple(sorted(set(months), reverse=True))
    if "ce_units" in doc:
        items = _get(doc, "ce_units", list, path)
        if not items:
            raise FrameworkFileError("must list at least one unit", f"{path}.ce_units")
        units = tuple(_ce_unit(item, f"{path}.ce_units[{i}]") for i, item in enumerate(items))
        if len({unit.key for unit in units}) != len(units):
            raise FrameworkFileError("must not repeat a key", f"{path}.ce_units")
        extras["ce_units"] = units
    return extras


def _ce_unit(item: object, path: str) -> CeUnit:
    if not isinstance(item, Mapping):
        raise FrameworkFileError("must be a mapping", path)
    hours = _positive_fraction(item, "hours_per_unit", path)
    step = _positive_fraction(item, "step", path) if "step" in item else Fraction(1)
    if hours > 1000 or step > 1:
        raise FrameworkFileError("hours_per_unit must be at most 1,000 and step at most 1", path)
    label = _get(item, "label", str, path).strip()
    return CeUnit(
        key=_get(item, "key", str, path),
        label=label,
        plural=_optional_text(item, "plural", path) or f"{label}s",
        hours_per_unit=hours,
        step=step,
    )


def _positive_fraction(doc: Mapping[str, Any], key: str, path: str) -> Fraction:
    value = doc.get(key)
    where = f"{path}.{key}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FrameworkFileError("must be a positive number", where)
    try:
        result = Fraction(str(value)).limit_denominator(100)
    except (ValueError, ZeroDivisionError) as exc:
        raise FrameworkFileError("must be a positive number", where) from exc
    if result <= 0:
        raise FrameworkFileError("must be a positive number", where)
    return result
def _appeal_rules(doc: Mapping[str, Any], path: str) -> AppealRules | None:
    if doc.get("appeals") is None:
        return None
    appeals = _get(doc, "appeals", dict, path)
    ap = f"{path}.appeals"
    rules = AppealRules(
        notice_days=_get(appeals, "notice_days", int, ap),
        grounds_days=_get(appeals, "grounds_days", int, ap),
        office_response_days=_get(appeals, "office_response_days", int, ap),
        committee_days=_get(appeals, "committee_days", int, ap),
    )
    if rules.grounds_days < rules.notice_days:
        raise FrameworkFileError("must be at least notice_days", f"{ap}.grounds_days")
    return rules
