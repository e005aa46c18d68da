"""Program rules in plain language, for the public program page.

The sentences are computed from ProgramRules alone, so a changed rule changes the page with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from portfolio.domain.programs.rules import AppealRules, FeeRules, ProgramRules

CURRENCY_SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "EUR": "€", "GBP": "£"}
EDUCATION = {
    "high_school": "a high-school diploma or an equivalent such as the GED",
    "associate": "an associate degree",
    "bachelor": "a bachelor's degree",
}
TIMES = {1: "once", 2: "twice"}


@dataclass(frozen=True)
class RulesSection:
    heading: str
    sentences: tuple[str, ...]


def describe_rules(
    rules: ProgramRules,
    *,
    set_names: Mapping[str, str] | None = None,
    electives_available: int | None = None,
) -> tuple[RulesSection, ...]:
    """The rules as short sections of sentences a candidate can read.

    `set_names` maps set codes to names (codes are shown when a name is missing);
    `electives_available` is how many elective sets the framework has, if known.
    """
    sections = (
        RulesSection("Who can apply", _eligibility(rules)),
        RulesSection("Fees", _fees(rules.fees)),
        RulesSection("What you complete", _completion(rules, set_names or {}, electives_available)),
        RulesSection("How portfolios are reviewed", _review(rules)),
        RulesSection("Certificate and renewal", _certificate(rules)),
    )
    if rules.appeals is None:
        return sections
    return (*sections, RulesSection("Appeals", _appeals(rules.appeals)))


def _appeals(appeals: AppealRules) -> tuple[str, ...]:
    notice, grounds = (
        count(appeals.notice_days, "calendar day"),
        count(appeals.grounds_days, "calendar day"),
    )
    return (
        "You can appeal the outcome of a set that is not met, or a decision not to certify you.",
        f"File a notice of intent within {notice} of the decision, and the full grounds, in "
        f"detail, within {grounds}; "
        "missing either deadline ends the right to appeal.",
        f"The program office answers within {count(appeals.office_response_days, 'day')}, and "
        f"the appeals committee rules within {count(appeals.committee_days, 'day')} after that: "
        "it upholds the decision or sends it back with comments.",
    )


def _eligibility(rules: ProgramRules) -> tuple[str, ...]:
    elig = rules.eligibility
    education = EDUCATION.get(elig.education)
    sentences = [
        f"You need {elig.experience_hours:,} hours of library work, paid or unpaid, "
        f"in the last {count(elig.lookback_years, 'year')}.",
        f"You need {education}."
        if education
        else f"You need this education: {elig.education.replace('_', ' ')}.",
        f"A week counts for at most {count(elig.weekly_hours_cap, 'hour')}, "
        "even when you held two jobs at once.",
    ]
    if elig.non_us_education_review:
        sentences.append("If your education is from outside the US, we review it case by case.")
    return tuple(sentences)


def _fees(fees: FeeRules) -> tuple[str, ...]:
    standard = money(fees.standard_cents, fees.currency)
    member = money(fees.member_cents, fees.currency)
    members = f"members of {fees.member_of}" if fees.member_of else "members"
    if fees.member_cents < fees.standard_cents:
        sentences = [f"The fee is {standard}, or {member} for {members}."]
    elif fees.member_cents == fees.standard_cents:
        sentences = [f"The fee is {standard}."]
    else:
        sentences = [f"The fee is {standard}, and {member} for {members}."]
    for award in fees.scholarships:
        text = f"{award.name}: {money(award.amount_cents, fees.currency)} toward the fee"
        if award.members_only:
            text += ", for members only"
        if award.once_per_months:
            text += f", at most one award every {count(award.once_per_months, 'month')}"
        sentences.append(text + ".")
    if fees.not_covered:
        sentences.append(f"The fee does not cover {fees.not_covered}.")
    return tuple(sentences)


def _completion(
    rules: ProgramRules, set_names: Mapping[str, str], electives_available: int | None
) -> tuple[str, ...]:
    required = [set_names.get(code, code) for code in rules.required_sets]
    electives = count(rules.electives_required, "elective set")
    if electives_available is not None:
        available = count(electives_available, "elective set")
        electives = f"{rules.electives_required} of the {available}"
    if required:
        sets = f"all {count(len(required), 'required set')} ({_join(required)})"
        what = (
            f"You complete {sets} and {electives}."
            if rules.electives_required
            else (f"You complete {sets}.")
        )
    else:
        what = f"You complete {electives}."
    limits = rules.pass_thresholds
    not_met = "none" if limits.max_not_met == 0 else f"at most {limits.max_not_met}"
    sentences: tuple[str, ...] = (
        what,
        f"You have {count(rules.completion_window_years, 'year')} from enrollment to finish.",
        f"A set is met when at least {percent(limits.min_met)} of its competencies are rated Met, "
        f"at most {percent(limits.max_partially_met)} Partially met, and {not_met} Not met.",
    )
    if rules.met_sets_carry_over:
        sentences += ("A set you have met stays met if you enroll again: it is never repeated.",)
    return sentences


def _review(rules: ProgramRules) -> tuple[str, ...]:
    review = rules.review
    scored = f"Each portfolio is scored by {count(review.reviewers_per_portfolio, 'reviewer')}"
    scored += ", each on their own"
    scored += ", who do not see your name." if review.blind else "."
    if review.resubmissions_allowed == 0:
        resubmit = "A set that is not yet met cannot be resubmitted."
    else:
        allowed = review.resubmissions_allowed
        times = TIMES.get(allowed, f"up to {allowed} times")
        resubmit = f"If a set is not yet met, you may resubmit it {times}."
    return scored, resubmit, f"Reviewers aim to finish within {count(review.due_days, 'day')}."


def _certificate(rules: ProgramRules) -> tuple[str, ...]:
    renewal = rules.renewal
    grace = (
        f", and up to {count(renewal.grace_months_after_expiry, 'month')} after"
        if renewal.grace_months_after_expiry
        else "; there is no grace period after it expires"
    )
    return (
        f"A certificate is valid for {count(rules.certificate_validity_years, 'year')}.",
        f"To renew, complete {count(renewal.ce_hours, 'hour')} of continuing education during "
        f"the validity period, at least {renewal.ce_technology_hours} of them on technology.",
        f"You can renew in the {count(renewal.window_months_before_expiry, 'month')} before "
        f"the certificate expires{grace}.",
        "In contact hours: "
        + "; ".join(
            f"1 {unit.label} = {_number(unit.hours_per_unit)}" for unit in renewal.ce_units
        )
        + ".",
    )


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def count(n: int, noun: str) -> str:
    """`1 year`, `5 years`, `1,820 hours`."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def money(cents: int, currency: str) -> str:
    """`$350`, `$325.50`, `350 CHF`."""
    amount = f"{cents // 100:,}" if cents % 100 == 0 else f"{cents / 100:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def percent(share: Fraction) -> str:
    """`70%`, `66.7%`."""
    value = share * 100
    if value.denominator == 1:
        return f"{value.numerator}%"
    return f"{float(value):.1f}%"


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return (
        ", ".join(items[:-1]) + ", and " + items[-1]
    )  # the last comma keeps "A and B" names apart
