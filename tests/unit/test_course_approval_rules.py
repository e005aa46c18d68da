"""Course approval as pure rules: a complete application, the approval term, the rubric, the
evaluator's conflict with the provider, the provider's page address, and the rules' data."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from portfolio.domain.courses.approval import (
    Application,
    CompetencyRef,
    MapEntry,
    approval_ended,
    approval_until,
    clean_text,
    evaluator_conflict,
    renewed_until,
    rubric_ratings,
    submission_problems,
    unmapped,
)
from portfolio.domain.courses.providers import check_website, provider_slug
from portfolio.domain.errors import FrameworkFileError, InvalidInput
from portfolio.domain.programs.rules import rules_from_document
from portfolio.domain.text import without_bidi_controls
from tests.framework_documents import lsscp_document

COMPETENCIES = tuple(CompetencyRef(f"TECH-0{i}", f"Skill {i}") for i in range(1, 8))
FULL = MapEntry("Chapter 1", "", "Quiz")


def lsscp_course_rules():
    rules = rules_from_document(lsscp_document()["rules"]).courses
    assert rules is not None
    return rules


def application(entries) -> Application:
    return Application(
        set_code="TECH",
        title="Library Technology Basics",
        has_syllabus=True,
        has_resumes=True,
        instructional_methods="Labs",
        assessment_methods="Quizzes",
        competencies=COMPETENCIES,
        entries=entries,
    )


def test_the_shipped_program_approves_courses_for_100_dollars_and_4_years():
    rules = lsscp_course_rules()
    assert (rules.approval_fee_cents, rules.approval_years) == (10000, 4)
    assert (rules.renewal_fee_cents, rules.renewal_years) == (10000, 4)
    assert rules.retroactive_years == 2
    assert "coverage" in [c.key for c in rules.rubric_criteria]


def test_a_program_without_a_courses_section_approves_no_courses():
    doc = lsscp_document()["rules"]
    del doc["courses"]
    assert rules_from_document(doc).courses is None


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda c: c.update(approval_years=0), "rules.courses.approval_years"),
        (lambda c: c.update(approval_fee_cents="100"), "rules.courses.approval_fee_cents"),
        (lambda c: c["rubric"].update(levels=[]), "rules.courses.rubric.levels"),
        (lambda c: c["rubric"]["criteria"].append(c["rubric"]["criteria"][0]), "criteria"),
    ],
)
def test_bad_course_rules_name_the_field(change, where):
    doc = copy.deepcopy(lsscp_document()["rules"])
    change(doc["courses"])
    with pytest.raises(FrameworkFileError) as caught:
        rules_from_document(doc)
    assert where in str(caught.value)


def test_a_competency_counts_when_taught_and_assessed():
    assert MapEntry("Readings", "", "Quiz").covers
    assert MapEntry("", "Project", "Quiz").covers
    assert not MapEntry("Readings", "Project", "  ").covers
    assert not MapEntry("", "", "Quiz").covers


def test_every_competency_must_be_mapped_and_the_message_names_them():
    entries = {c.code: FULL for c in COMPETENCIES}
    assert submission_problems(application(entries)) == {}
    del entries["TECH-02"]
    entries["TECH-05"] = MapEntry("Readings", "", "")
    assert unmapped(COMPETENCIES, entries) == ["TECH-02", "TECH-05"]
    assert submission_problems(application(entries)) == {
        "competency_map": "The course must cover every competency of TECH: for TECH-02, TECH-05, "
        "give readings or assignments and an assessment in the competency map."
    }


def test_a_long_list_of_missing_competencies_is_shortened():
    message = submission_problems(application({}))["competency_map"]
    assert "TECH-01, TECH-02, TECH-03, TECH-04, TECH-05 and 2 more" in message


def test_missing_files_and_methods_are_each_named():
    bare = Application("TECH", " ", False, False, "", "", COMPETENCIES, {})
    assert set(submission_problems(bare)) == {
        "title",
        "syllabus",
        "resumes",
        "instructional_methods",
        "assessment_methods",
        "competency_map",
    }


def test_the_approval_term_and_renewal_come_from_the_rules():
    rules = lsscp_course_rules()
    assert approval_until(date(2026, 3, 1), rules) == date(2030, 3, 1)
    assert approval_until(date(2024, 2, 29), rules) == date(2028, 2, 29)
    assert renewed_until(date(2030, 3, 1), rules) == date(2034, 3, 1)


def test_every_rubric_criterion_must_be_rated_with_a_known_level():
    rules = lsscp_course_rules()
    keys = [c.key for c in rules.rubric_criteria]
    good = dict.fromkeys(keys, "meets")
    assert rubric_ratings(good, rules) == good
    with pytest.raises(InvalidInput) as caught:
        rubric_ratings({**good, "coverage": "splendid", "readings": None}, rules)
    assert set(caught.value.problems) == {"rating-coverage", "rating-readings"}


def test_an_evaluator_from_the_providers_organisation_is_in_conflict():
    assert evaluator_conflict(
        reviewer_organisation=" spokane falls  community college",
        provider_name="Spokane Falls Community College",
        acts_for_provider=False,
    ).startswith("They work at Spokane Falls Community College")
    assert evaluator_conflict(
        reviewer_organisation="", provider_name="X", acts_for_provider=True
    ) == ("They act for this provider, so they cannot evaluate its course.")
    assert (
        evaluator_conflict(
            reviewer_organisation="City Library",
            provider_name="Spokane Falls Community College",
            acts_for_provider=False,
        )
        is None
    )
    assert (
        evaluator_conflict(reviewer_organisation=None, provider_name="", acts_for_provider=False)
        is None
    )


def test_a_providers_page_address_is_short_plain_and_unique():
    assert provider_slug("Bibliothèque & Archives: Québec!") == "bibliotheque-archives-quebec"
    assert provider_slug("State Library", ["state-library"]) == "state-library-2"
    assert provider_slug("???") == "provider"
    assert len(provider_slug("x" * 500)) <= 60


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "ftp://x.org", "https://", "https://a b.org", "http://u:p@x.org"]
)
def test_a_website_must_be_a_plain_web_address(bad):
    with pytest.raises(InvalidInput):
        check_website(bad)


def test_a_website_is_optional():
    assert check_website("  ") == ""
    assert check_website(" https://valley.example.edu/ ") == "https://valley.example.edu/"


def test_an_approval_ends_the_day_after_its_last_day():
    last_day = date(2026, 12, 3)
    assert not approval_ended(last_day, last_day)
    assert approval_ended(last_day, date(2026, 12, 4))
    assert not approval_ended(None, date(2026, 12, 4))  # never approved


def test_a_website_too_long_is_called_too_long():
    with pytest.raises(InvalidInput, match="longer than 2,000 characters"):
        check_website("https://example.org/" + "a" * 5000)


def test_titles_and_names_lose_the_characters_that_reorder_what_follows():
    typed = "Storytime \u202eSpoof\u202c \u2067isolated\u2069"
    cleaned = clean_text(typed, field="title", label="a title", limit=200, required=True)
    assert cleaned == "Storytime Spoof isolated"
    assert without_bidi_controls("مكتبة عامة") == "مكتبة عامة"  # right-to-left words stay
