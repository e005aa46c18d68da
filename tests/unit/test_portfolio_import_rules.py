"""The rules on an imported portfolio export, with plain values: which archive names and sizes
may be opened, which documents are read, and where their evidence goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portfolio.domain.portfolios.import_archive import (
    DEFLATED,
    ImportLimits,
    ImportRefused,
    Member,
    check_directory,
    check_members,
    unsafe_name_reason,
)
from portfolio.domain.portfolios.import_document import SetHere, place, read_document

SCHEMA = json.loads(Path("schemas/portfolio-export-1.schema.json").read_text())
MiB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../x.pdf", "'..'"),
        ("files/../../x", "'..'"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/x", "absolute"),
        ("files\\x.pdf", "backslash"),
        ("files/x\x00.pdf", "NUL"),
        ("files/x\n.pdf", "control"),
    ],
)
def test_names_that_could_leave_their_folder(name, reason):
    found = unsafe_name_reason(name)
    assert found is not None and reason in found


@pytest.mark.parametrize("name", ["portfolio.json", "files/7-Minutes.pdf", "files/..x", "a/b/c"])
def test_names_that_stay_in_their_folder(name):
    assert unsafe_name_reason(name) is None


def document_member(size: int = 100) -> Member:
    return Member("portfolio.json", size, size, DEFLATED)


def test_a_member_unpacking_far_beyond_its_packed_size_is_a_bomb():
    limits = ImportLimits(max_ratio=100)
    fine = Member("files/1-a.pdf", 100 * MiB, MiB + 1, DEFLATED)
    assert "files/1-a.pdf" in check_members([document_member(), fine], limits)
    bomb = Member("files/1-a.pdf", 100 * MiB, MiB - 1, DEFLATED)
    with pytest.raises(ImportRefused, match="zip bomb"):
        check_members([document_member(), bomb], limits)
    # A small member says nothing by its ratio: a page of text squeezes well.
    assert check_members([document_member(), Member("t.txt", MiB, 10, DEFLATED)], limits)


def test_the_total_the_entries_and_the_document_are_bounded():
    limits = ImportLimits(max_total_bytes=10 * MiB, max_members=3, max_document_bytes=1000)
    many = [Member(f"files/{n}-a", 10, 10, DEFLATED) for n in range(3)]
    with pytest.raises(ImportRefused, match="holds 4 entries"):
        check_members([document_member(), *many], limits)
    big = [Member(f"files/{n}-a", 6 * MiB, 6 * MiB, DEFLATED) for n in range(2)]
    with pytest.raises(ImportRefused, match="more than 10 MB"):
        check_members([document_member(), *big], limits)
    with pytest.raises(ImportRefused, match=r"portfolio\.json is"):
        check_members([document_member(1001)], limits)
    with pytest.raises(ImportRefused, match=r"no portfolio\.json"):
        check_members([Member("index.html", 10, 10, DEFLATED)], limits)
    with pytest.raises(ImportRefused, match="twice"):
        check_members([document_member(), document_member()], limits)
    with pytest.raises(ImportRefused, match="compressed in a way"):
        check_members([document_member(), Member("files/1-a", 10, 10, 12)], limits)


def test_a_member_placed_before_the_archive_starts_is_refused():
    # zipfile computes a member's offset from the end record: a tampered record makes it
    # negative, and opening the member would seek before the start (a ValueError, a 500).
    with pytest.raises(ImportRefused, match="before its own start"):
        check_members([Member("portfolio.json", 10, 10, DEFLATED, offset=-1000)], ImportLimits())


def test_the_directory_is_bounded_before_zipfile_reads_it():
    limits = ImportLimits(max_members=3)
    check_directory(3, 3 * 4096, limits)
    with pytest.raises(ImportRefused, match="holds 4 entries"):
        check_directory(4, 100, limits)
    # The entry count can lie; the directory's size is what zipfile reads whole.
    with pytest.raises(ImportRefused, match="list of entries"):
        check_directory(1, 3 * 4096 + 1, limits)


def minimal(**changes) -> dict:
    doc = {
        "format": "portfolio-export",
        "version": 1,
        "exported_at": "2026-11-30T10:00:00+00:00",
        "person": {"name": "A", "email": "a@example.org"},
        "program": {
            "slug": "pfx",
            "name": "P",
            "version": 1,
            "enrolled_on": "2026-01-01",
            "window_ends_on": "2030-01-01",
            "status": "active",
        },
        "learning_statement": "",
        "sets": [
            {
                "code": "S1",
                "name": "Set 1",
                "route": "portfolio",
                "status": "met",
                "competencies": [
                    {"code": "S1-1", "title": "T", "narrative": "N", "artifacts": [1]},
                    {"code": "S1-9", "title": "Gone", "narrative": "Old", "artifacts": []},
                ],
                "submissions": [],
            }
        ],
        "artifacts": [
            {"id": 1, "kind": "link", "caption": "C", "description": "", "url": "https://x.example"}
        ],
    }
    doc.update(changes)
    return doc


def raw(doc: dict) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("version", "shown"), [(2, "version 2 "), ("1", 'version "1" '), (True, "version true ")]
)
def test_only_version_1_is_read(version, shown):
    with pytest.raises(ImportRefused, match="reads version 1 only") as refused:
        read_document(raw(minimal(version=version)), SCHEMA)
    assert shown in refused.value.message


def test_documents_that_are_not_exports_are_refused():
    for bad in (b"\xff\xfe", b"[1, 2]", raw(minimal(format="other")), b"[" * 100_000):
        with pytest.raises(ImportRefused):
            read_document(bad, SCHEMA)


def test_an_artifact_named_but_missing_or_of_two_kinds_is_refused():
    doc = minimal()
    doc["sets"][0]["competencies"][0]["artifacts"] = [1, 2]
    with pytest.raises(ImportRefused, match="names artifact 2"):
        read_document(raw(doc), SCHEMA)
    doc = minimal()
    doc["artifacts"][0]["kind"] = "file"
    with pytest.raises(ImportRefused, match="is a file"):
        read_document(raw(doc), SCHEMA)


def test_evidence_goes_where_its_codes_match_and_the_rest_is_reported():
    doc = read_document(raw(minimal()), SCHEMA)
    placement = place(doc, [SetHere("S1", frozenset({"S1-1"}))])
    assert placement.narratives == {("S1", "S1-1"): "N"}
    assert placement.supports == {1: [("S1", "S1-1")]}
    (sentence,) = placement.not_placed
    assert "S1-9" in sentence and "has no competency S1-9 in this installation" in sentence


def test_a_document_with_no_place_here_is_refused():
    doc = read_document(raw(minimal()), SCHEMA)
    with pytest.raises(ImportRefused, match="on the course route"):
        place(doc, [SetHere("S1", frozenset({"S1-1"}), "set S1 is on the course route here")])
