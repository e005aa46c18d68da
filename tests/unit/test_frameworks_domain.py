"""Cross-field checks of framework documents, and their canonical (normalised) form."""

from __future__ import annotations

import pytest

from portfolio.domain.errors import FrameworkFileError
from portfolio.domain.programs.documents import check_framework, normalise_document, same_content
from tests.framework_documents import lsscp_document, small_document


def fails(document: dict, path: str, words: str) -> None:
    with pytest.raises(FrameworkFileError) as caught:
        check_framework(document)
    assert caught.value.path == path
    assert words in caught.value.message
    assert caught.value.message.startswith(f"{path}: ")


def test_the_shipped_lsscp_file_passes_and_its_rules_are_parsed():
    rules = check_framework(lsscp_document())
    assert rules.required_sets == ("FOUND", "COMM", "TECH")
    assert rules.electives_required == 3
    assert rules.eligibility.experience_hours == 1820


def test_duplicate_set_codes_are_refused():
    doc = small_document(sets=3)
    doc["sets"][2]["code"] = "E2"
    fails(doc, "sets[2].code", '"E2" is already the code of sets[1]')


def test_a_competency_code_used_in_two_sets_is_refused():
    doc = small_document(sets=3)
    doc["sets"][2]["competencies"][1]["code"] = "R1-01"
    fails(doc, "sets[2].competencies[1].code", "already used by sets[0].competencies[0]")


def test_a_competency_code_repeated_within_a_set_is_refused():
    doc = small_document()
    doc["sets"][0]["competencies"][1]["code"] = "R1-01"
    fails(doc, "sets[0].competencies[1].code", '"R1-01"')


def test_required_sets_naming_an_unknown_set_is_refused():
    doc = small_document()
    doc["rules"]["required_sets"] = ["R1", "NOPE"]
    fails(doc, "rules.required_sets[1]", '"NOPE" is not a set of this framework')


def test_required_sets_naming_an_elective_is_refused():
    doc = small_document()
    doc["rules"]["required_sets"] = ["R1", "E2"]
    fails(doc, "rules.required_sets[1]", '"E2" is an elective set')


def test_a_required_set_left_out_of_required_sets_is_refused():
    doc = small_document()
    doc["rules"]["required_sets"] = []
    fails(doc, "sets[0].kind", '"R1" is a required set but rules.required_sets does not list it')


def test_a_required_set_listed_twice_is_refused():
    doc = small_document()
    doc["rules"]["required_sets"] = ["R1", "R1"]
    fails(doc, "rules.required_sets[1]", "listed twice")


def test_more_electives_required_than_available_is_refused():
    doc = small_document(sets=3)  # two electives
    doc["rules"]["electives_required"] = 3
    fails(doc, "rules.electives_required", "asks for 3 electives but the framework has 2")


def test_a_competency_rubric_key_that_is_not_a_level_is_refused():
    doc = small_document()
    doc["sets"][1]["competencies"][0]["rubric"] = {"met": "Yes.", "excellent": "Wow."}
    fails(doc, "sets[1].competencies[0].rubric.excellent", "is not a rubric level")


def test_a_missing_rubric_level_is_refused():
    doc = small_document()
    del doc["rubric"]["levels"][1]
    fails(doc, "rubric.levels", "must define partially_met")


def test_a_repeated_rubric_level_is_refused():
    doc = small_document()
    doc["rubric"]["levels"].append({"key": "met", "label": "Again"})
    fails(doc, "rubric.levels[3].key", '"met" appears twice')


def test_a_bad_rules_field_is_reported_under_rules():
    doc = small_document()
    doc["rules"]["eligibility"]["lookback_years"] = "five"
    fails(doc, "rules.eligibility.lookback_years", "must be a whole number")


def test_normalising_fills_optional_fields_and_drops_empty_ones():
    doc = small_document()
    del doc["description"]
    del doc["sets"][0]["scope"]
    competency = doc["sets"][0]["competencies"][0]
    del competency["description"]
    competency["provisional"] = False
    competency["rubric"] = {}
    doc["rubric"]["levels"][0].pop("descriptor")
    result = normalise_document(doc)
    assert result["description"] == ""
    assert result["sets"][0]["scope"] == ""
    assert result["sets"][0]["competencies"][0] == {
        "code": "R1-01",
        "title": "Competency R1-01",
        "description": "",
    }
    assert result["rubric"]["levels"][0]["descriptor"] == ""
    assert list(result) == ["slug", "version", "name", "description", "rubric", "rules", "sets"]


def test_normalising_keeps_what_is_set():
    doc = lsscp_document()
    assert normalise_document(doc) == doc


def test_same_content_ignores_only_the_version_number():
    first = normalise_document(small_document(version=1))
    second = normalise_document(small_document(version=7))
    assert same_content(first, second)
    second["name"] = "Renamed"
    assert not same_content(first, second)
