"""Framework files: the shipped LSSCP data, schema validation and safe parsing."""

from __future__ import annotations

import datetime
import json

import pytest

from portfolio.domain.errors import FrameworkFileError
from portfolio.services.programs.files import (
    MAX_FILE_BYTES,
    dump_document,
    parse_framework_bytes,
    read_framework_file,
    validate_document,
)
from tests.framework_documents import LSSCP_PATH, lsscp_document, small_document

COUNTS = {
    "FOUND": 12,
    "COMM": 9,
    "TECH": 9,
    "ACCESS": 13,
    "ADULT": 12,
    "CAT": 8,
    "COLL": 10,
    "REF": 9,
    "SUPV": 16,
    "YOUTH": 12,
}


def error_of(document) -> str:
    with pytest.raises(FrameworkFileError) as caught:
        validate_document(document)
    return caught.value.message


def test_lsscp_has_the_sets_in_order_with_their_counts():
    doc = lsscp_document()
    assert doc["slug"] == "lsscp" and doc["version"] == 1
    assert {s["code"]: len(s["competencies"]) for s in doc["sets"]} == COUNTS
    assert list(COUNTS) == [s["code"] for s in doc["sets"]]
    kinds = [s["kind"] for s in doc["sets"]]
    assert kinds == ["required"] * 3 + ["elective"] * 7
    first = doc["sets"][0]["competencies"][0]
    assert first["code"] == "FOUND-01" and first["title"] and first["description"]


def test_lsscp_marks_exactly_the_unconfirmed_items_provisional():
    doc = lsscp_document()
    provisional = [c for s in doc["sets"] for c in s["competencies"] if c.get("provisional")]
    assert [c["code"] for c in provisional] == ["ADULT-12", "SUPV-15", "SUPV-16", "YOUTH-12"]
    for competency in provisional:
        assert "awaiting confirmation from the program office" in competency["description"]


def test_lsscp_rules_and_notes():
    doc = lsscp_document()
    rules = doc["rules"]
    assert rules["certificate_validity_years"] == 5
    assert rules["fees"]["scholarships"][0]["amount_cents"] == 20000
    notes = " ".join(rules["notes"].values())
    assert "4 years" in notes and "5" in notes and "certificate_validity_years" in notes
    assert "2019" in notes
    levels = doc["rubric"]["levels"]
    assert [(lv["key"], lv["label"]) for lv in levels] == [
        ("met", "Met"),
        ("partially_met", "Partially met"),
        ("not_met", "Not met"),
    ]
    overrides = [c for s in doc["sets"] for c in s["competencies"] if c.get("rubric")]
    assert len(overrides) >= 3


def test_the_shipped_file_validates():
    assert validate_document(read_framework_file(LSSCP_PATH)) == lsscp_document()


def test_a_missing_field_is_named_by_its_path():
    doc = lsscp_document()
    del doc["sets"][2]["competencies"][0]["code"]
    assert error_of(doc) == "sets[2].competencies[0].code: is required"


def test_a_wrong_type_is_named_by_its_path():
    doc = small_document()
    doc["sets"][1]["competencies"][0]["provisional"] = "yes"
    assert error_of(doc) == "sets[1].competencies[0].provisional: must be true or false"


def test_a_text_version_is_refused():
    doc = small_document()
    doc["version"] = "1"
    assert error_of(doc) == "version: must be a whole number"


def test_an_unknown_field_is_refused():
    doc = small_document()
    doc["sets"][0]["colour"] = "blue"
    assert error_of(doc) == "sets[0].colour: is not a known field"


def test_an_unknown_set_kind_is_refused():
    doc = small_document()
    doc["sets"][1]["kind"] = "optional"
    assert error_of(doc) == "sets[1].kind: must be one of: required, elective"


def test_a_slug_with_capitals_is_refused():
    doc = small_document(slug="Demo")
    assert error_of(doc) == "slug: may hold only lower-case letters, digits and hyphens"


def test_a_set_without_competencies_is_refused():
    doc = small_document()
    doc["sets"][1]["competencies"] = []
    assert error_of(doc) == "sets[1].competencies: must have at least 1 item(s)"


def test_a_too_long_title_is_refused_before_the_database_sees_it():
    doc = small_document()
    doc["sets"][0]["competencies"][0]["title"] = "x" * 201
    assert error_of(doc) == "sets[0].competencies[0].title: must be at most 200 characters"


def test_duplicate_competency_codes_are_refused_after_the_schema():
    doc = lsscp_document()
    doc["sets"][4]["competencies"][3]["code"] = "FOUND-07"
    assert "sets[4].competencies[3].code" in error_of(doc)


def test_a_yaml_date_in_the_rules_is_refused():
    doc = small_document()
    doc["rules"]["effective"] = datetime.date(2020, 1, 1)
    assert error_of(doc).startswith("rules.effective: must be text, a number")


def test_a_list_is_not_a_framework():
    assert "it holds a list" in error_of(parse_framework_bytes(b"- a\n- b\n"))


def test_plain_text_is_not_a_framework():
    assert "it holds text" in error_of(parse_framework_bytes(b"just words"))


def test_invalid_yaml_reports_where():
    with pytest.raises(FrameworkFileError, match=r"not valid YAML: .* line 2, column 1"):
        parse_framework_bytes(b"slug: [\n")


def test_invalid_json_reports_where():
    with pytest.raises(FrameworkFileError, match=r"not valid JSON: .* line 1, column 12"):
        parse_framework_bytes(b'{"slug": 1,}', "json")


def test_binary_garbage_is_refused():
    with pytest.raises(FrameworkFileError, match="not UTF-8"):
        parse_framework_bytes(bytes(range(128, 256)) * 10)


def test_yaml_aliases_are_refused():
    bomb = b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    with pytest.raises(FrameworkFileError, match="anchors or aliases"):
        parse_framework_bytes(bomb)


def test_python_tags_are_not_executed():
    with pytest.raises(FrameworkFileError, match="not valid YAML"):
        parse_framework_bytes(b"!!python/object/apply:os.system ['echo hacked']\n")


def test_a_file_over_5_mb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"[" * (MAX_FILE_BYTES + 1))
    with pytest.raises(FrameworkFileError, match=r"The file is 5.0 MB; .* at most 5 MB"):
        read_framework_file(path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FrameworkFileError, match=r"Cannot read .*nothing\.yaml"):
        read_framework_file(tmp_path / "nothing.yaml")


def test_json_files_are_read_as_json(tmp_path):
    path = tmp_path / "demo.json"
    path.write_text(dump_document(small_document(), "json"))
    assert validate_document(read_framework_file(path))["slug"] == "demo"
    assert json.loads(path.read_text())["sets"][0]["code"] == "R1"
