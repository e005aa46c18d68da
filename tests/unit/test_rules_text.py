"""Program rules in plain language, as the public program page shows them."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from portfolio.domain.programs.rules import rules_from_document
from portfolio.domain.programs.rules_text import count, describe_rules, money, percent
from tests.framework_documents import lsscp_document

LSSCP = rules_from_document(lsscp_document()["rules"])
NAMES = {"FOUND": "Foundations", "COMM": "Communication", "TECH": "Technology"}


def sentences(rules=LSSCP, **kwargs) -> list[str]:
    return [s for section in describe_rules(rules, **kwargs) for s in section.sentences]


def test_lsscp_rules_read_as_the_program_states_them():
    text = sentences(set_names=NAMES, electives_available=7)
    assert "You need 1,820 hours of library work, paid or unpaid, in the last 5 years." in text
    assert "You need a high-school diploma or an equivalent such as the GED." in text
    assert "If your education is from outside the US, we review it case by case." in text
    assert "The fee is $350, or $325 for members of ALA (the American Library Association)." in text
    assert (
        "Enrollment Achievement Award: $200 toward the fee, for members only, "
        "at most one award every 18 months." in text
    )
    assert (
        "You complete all 3 required sets (Foundations, Communication, and Technology) "
        "and 3 of the 7 elective sets." in text
    )
    assert "You have 4 years from enrollment to finish." in text
    assert (
        "A set is met when at least 70% of its competencies are rated Met, "
        "at most 30% Partially met, and none Not met." in text
    )
    assert (
        "Each portfolio is scored by 2 reviewers, each on their own, who do not see your name."
        in text
    )
    assert "If a set is not yet met, you may resubmit it once." in text
    assert "A certificate is valid for 5 years." in text
    assert (
        "To renew, complete 32 hours of continuing education during the validity period, "
        "at least 4 of them on technology." in text
    )
    assert (
        "You can renew in the 12 months before the certificate expires, and up to 2 months after."
        in text
    )
    assert (
        "In contact hours: 1 semester credit = 15; 1 quarter credit = 10; 1 workshop or seminar "
        "hour = 1; 1 documented self-directed hour = 1; 1 conference day = 6." in text
    )


def test_sections_have_headings_in_a_fixed_order():
    headings = [section.heading for section in describe_rules(LSSCP)]
    assert headings == [
        "Who can apply",
        "Fees",
        "What you complete",
        "How portfolios are reviewed",
        "Certificate and renewal",
        "Appeals",
    ]


def test_the_appeal_days_are_told_from_the_rules_and_a_program_without_them_says_nothing():
    text = sentences()
    assert (
        "File a notice of intent within 10 calendar days of the decision, and the full grounds, "
        "in detail, within 30 calendar days; missing either deadline ends the right to appeal."
        in text
    )
    without = describe_rules(dataclasses.replace(LSSCP, appeals=None))
    assert "Appeals" not in [s.heading for s in without]


def test_codes_stand_in_for_missing_set_names():
    assert (
        "You complete all 3 required sets (FOUND, COMM, and TECH) and 3 elective sets."
        in sentences()
    )


def test_changed_rules_change_the_sentences():
    rules = dataclasses.replace(
        LSSCP,
        certificate_validity_years=1,
        fees=dataclasses.replace(LSSCP.fees, member_cents=35000, scholarships=()),
        review=dataclasses.replace(LSSCP.review, resubmissions_allowed=0, blind=False),
        renewal=dataclasses.replace(LSSCP.renewal, grace_months_after_expiry=0),
        pass_thresholds=dataclasses.replace(LSSCP.pass_thresholds, max_not_met=1),
        eligibility=dataclasses.replace(LSSCP.eligibility, non_us_education_review=False),
    )
    text = sentences(rules)
    assert "A certificate is valid for 1 year." in text
    assert "The fee is $350." in text
    assert not any("Award" in s for s in text)
    assert "A set that is not yet met cannot be resubmitted." in text
    assert "Each portfolio is scored by 2 reviewers, each on their own." in text
    assert any(s.endswith("; there is no grace period after it expires.") for s in text)
    assert any("and at most 1 Not met." in s for s in text)
    assert not any("outside the US" in s for s in text)


def test_many_resubmissions_are_counted():
    rules = dataclasses.replace(
        LSSCP, review=dataclasses.replace(LSSCP.review, resubmissions_allowed=3)
    )
    assert "If a set is not yet met, you may resubmit it up to 3 times." in sentences(rules)


def test_money_percent_and_counts():
    assert money(35000, "USD") == "$350"
    assert money(32550, "USD") == "$325.50"
    assert money(123456700, "USD") == "$1,234,567"
    assert money(5000, "CHF") == "50 CHF"
    assert percent(Fraction(7, 10)) == "70%"
    assert percent(Fraction(2, 3)) == "66.7%"
    assert count(1, "year") == "1 year"
    assert count(1820, "hour") == "1,820 hours"


def test_rules_outside_sensible_ranges_are_refused_with_the_field():
    import copy

    import pytest
    import yaml

    from config import ROOT
    from portfolio.domain.errors import FrameworkFileError
    from portfolio.domain.programs.rules import rules_from_document

    document = yaml.safe_load((ROOT / "data/frameworks/lsscp.yaml").read_text())
    rules = copy.deepcopy(document["rules"])
    rules["eligibility"]["lookback_years"] = 100_000
    with pytest.raises(FrameworkFileError) as refused:
        rules_from_document(rules)
    assert refused.value.path == "rules.eligibility.lookback_years"
    rules = copy.deepcopy(document["rules"])
    rules["review"]["due_days"] = 0
    with pytest.raises(FrameworkFileError, match="between 1 and 365"):
        rules_from_document(rules)
