"""Frozen snapshots: built and read back by one module, strictly; and what changed between two."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.errors import CorruptSnapshot, DomainError
from portfolio.domain.portfolios.changes import diff_lines, snapshot_changes
from portfolio.domain.portfolios.snapshot_views import (
    ArtifactView,
    EntryView,
    FileView,
    SetView,
    Snapshot,
)
from portfolio.domain.portfolios.snapshots import build_snapshot, read_snapshot, snapshot_sha256

FILE = ArtifactView(
    id=7,
    kind="file",
    caption="Report",
    description="Quarterly",
    file=FileView("c/1/k", "a" * 64, 1234, "application/pdf", "r.pdf"),
)
LINK = ArtifactView(id=8, kind="link", caption="Post", description="", url="https://example.org/p")


def snap(narrative: str = "Text", artifacts: tuple[ArtifactView, ...] = (FILE, LINK)) -> Snapshot:
    return Snapshot(
        format=1,
        submitted_set=SetView("CORE", "Core skills"),
        attempt=1,
        learning_statement="Statement",
        competencies=(EntryView("C1", "First", narrative, artifacts),),
    )


def stored(snapshot: Snapshot) -> tuple[dict[str, Any], str]:
    document = build_snapshot(snapshot)
    return document, snapshot_sha256(document)


def read(document: dict[str, Any]) -> Snapshot:
    """Read a document as if its stored SHA-256 matched (to test shapes, not the hash)."""
    return read_snapshot(document, snapshot_sha256(document))


texts = st.text(max_size=30)
files = st.builds(
    FileView,
    key=st.text(min_size=1, max_size=20),
    sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    size=st.integers(0, 10**12),
    content_type=st.sampled_from(["application/pdf", "image/png"]),
    original_name=texts,
)
artifacts = st.one_of(
    st.builds(
        ArtifactView,
        id=st.integers(1, 10**9),
        kind=st.just("file"),
        caption=texts,
        description=texts,
        file=files,
    ),
    st.builds(
        ArtifactView,
        id=st.integers(1, 10**9),
        kind=st.just("link"),
        caption=texts,
        description=texts,
        url=st.sampled_from(["https://example.org/a", "http://library.example/b?c=d"]),
    ),
)
snapshots = st.builds(
    Snapshot,
    format=st.just(1),
    submitted_set=st.builds(SetView, code=texts, name=texts),
    attempt=st.integers(1, 50),
    learning_statement=texts,
    competencies=st.lists(
        st.builds(
            EntryView,
            code=st.text(min_size=1, max_size=10),
            title=texts,
            narrative=texts,
            artifacts=st.lists(artifacts, max_size=3).map(tuple),
        ),
        max_size=4,
        unique_by=lambda entry: entry.code,
    ).map(tuple),
)


@given(snapshots)
def test_what_is_built_reads_back_the_same(snapshot: Snapshot) -> None:
    document, fingerprint = stored(snapshot)
    assert read_snapshot(document, fingerprint) == snapshot


def test_the_writer_produces_format_1_as_documented() -> None:
    document, _ = stored(snap())
    assert document["format"] == 1 and document["set"] == {"code": "CORE", "name": "Core skills"}
    assert document["competencies"][0]["artifacts"][1] == {
        "id": 8,
        "kind": "link",
        "caption": "Post",
        "description": "",
        "url": "https://example.org/p",
    }


def test_a_reader_finds_files_and_missing_competencies_read_as_empty() -> None:
    snapshot = read(build_snapshot(snap()))
    assert snapshot.file_keys() == {"c/1/k"}
    assert snapshot.entry("C9").narrative == "" and snapshot.entry("C9").artifacts == ()
    report, post = snapshot.entry("C1").artifacts
    assert (report.name, report.content_type, report.storage_key) == (
        "r.pdf",
        "application/pdf",
        "c/1/k",
    )
    assert (post.url, post.storage_key, post.key) == ("https://example.org/p", "", "id:8")


def test_a_tampered_document_no_longer_matches_its_fingerprint() -> None:
    document, fingerprint = stored(snap())
    document["competencies"][0]["narrative"] = "Text changed after submission"
    with pytest.raises(CorruptSnapshot, match="no longer matches its SHA-256"):
        read_snapshot(document, fingerprint)
    with pytest.raises(CorruptSnapshot):
        read_snapshot(build_snapshot(snap()), None)


def _without(path: list[Any]) -> dict[str, Any]:
    document = copy.deepcopy(build_snapshot(snap()))
    *parents, last = path
    target: Any = document
    for key in parents:
        target = target[key]
    del target[last]
    return document


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(build_snapshot(snap()))
    *parents, last = path
    target: Any = document
    for key in parents:
        target = target[key]
    target[last] = value
    return document


FIRST = ["competencies", 0]
MALFORMED = {
    "unknown format": _with(["format"], 2),
    "format as text": _with(["format"], "1"),
    "format as true": _with(["format"], True),
    "no format": _without(["format"]),
    "no set": _without(["set"]),
    "no attempt": _without(["attempt"]),
    "attempt zero": _with(["attempt"], 0),
    "attempt as text": _with(["attempt"], "1"),
    "an extra field": _with(["entries"], {}),
    "statement not text": _with(["learning_statement"], None),
    "competencies keyed by code": _with(["competencies"], {"C1": {"narrative": "x"}}),
    "a competency not an object": _with(FIRST, None),
    "a competency without a code": _without([*FIRST, "code"]),
    "an empty code": _with([*FIRST, "code"], ""),
    "narrative not text": _with([*FIRST, "narrative"], 3),
    "artifacts not a list": _with([*FIRST, "artifacts"], "none"),
    "an artifact not an object": _with([*FIRST, "artifacts", 0], 3),
    "an unknown kind": _with([*FIRST, "artifacts", 0, "kind"], "video"),
    "a file without its file": _without([*FIRST, "artifacts", 0, "file"]),
    "file fields inline": _with([*FIRST, "artifacts", 0, "file"], None),
    "a file without a key": _without([*FIRST, "artifacts", 0, "file", "key"]),
    "a size as text": _with([*FIRST, "artifacts", 0, "file", "size"], "1234"),
    "a negative size": _with([*FIRST, "artifacts", 0, "file", "size"], -1),
    "an id as true": _with([*FIRST, "artifacts", 0, "id"], True),
    "a link without a url": _without([*FIRST, "artifacts", 1, "url"]),
    "a link without a description": _without([*FIRST, "artifacts", 1, "description"]),
    "a javascript link": _with([*FIRST, "artifacts", 1, "url"], "javascript:alert(1)"),
    "a link with a file too": _with([*FIRST, "artifacts", 1, "file"], {}),
}


@pytest.mark.parametrize("document", MALFORMED.values(), ids=MALFORMED.keys())
def test_every_unknown_or_malformed_shape_raises(document: dict[str, Any]) -> None:
    with pytest.raises(CorruptSnapshot) as raised:
        read(document)
    assert isinstance(raised.value, DomainError) and raised.value.status == 409
    assert raised.value.message.startswith("The frozen copy of this submission cannot be shown")


def test_a_competency_twice_raises() -> None:
    document = build_snapshot(snap())
    document["competencies"].append(copy.deepcopy(document["competencies"][0]))
    with pytest.raises(CorruptSnapshot, match="appears twice"):
        read(document)


@pytest.mark.parametrize("document", [None, [], "text", 3])
def test_a_document_that_is_not_an_object_raises(document: object) -> None:
    with pytest.raises(CorruptSnapshot):
        read_snapshot(document, "0" * 64)


def test_diff_marks_added_and_removed_lines_in_order() -> None:
    lines = diff_lines("one\ntwo\nthree", "one\n2\nthree\nfour")
    assert [(line.kind, line.text) for line in lines] == [
        ("same", "one"),
        ("removed", "two"),
        ("added", "2"),
        ("same", "three"),
        ("added", "four"),
    ]


def test_changes_list_added_and_removed_artifacts() -> None:
    changes = snapshot_changes(snap("Same", (FILE,)), snap("Same", (LINK,)), ["C1"])["C1"]
    assert [a.caption for a in changes.added] == ["Post"]
    assert [a.caption for a in changes.removed] == ["Report"]
    assert not snapshot_changes(snap(), snap(), ["C1"])["C1"].changed
