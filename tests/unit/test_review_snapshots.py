"""Reading frozen snapshots for reviewers, and what changed between two attempts."""

from __future__ import annotations

from portfolio.domain.portfolios.snapshots import diff_lines, read_snapshot, snapshot_changes

FILE = {
    "id": 7,
    "kind": "file",
    "caption": "Report",
    "description": "Quarterly",
    "file": {
        "key": "k",
        "sha256": "a" * 64,
        "content_type": "application/pdf",
        "original_name": "r.pdf",
    },
}
LINK = {"id": 8, "kind": "link", "caption": "Post", "url": "https://example.org/p"}


def doc(narrative: str, artifacts: list[dict]) -> dict:
    return {
        "learning_statement": "Statement",
        "competencies": [{"code": "C1", "narrative": narrative, "artifacts": artifacts}],
    }


def test_reads_the_submissions_format():
    view = read_snapshot(doc("Text", [FILE, LINK]))
    entry = view.entry("C1")
    assert view.learning_statement == "Statement" and entry.narrative == "Text"
    report, post = entry.artifacts
    assert (report.name, report.content_type, report.url) == ("r.pdf", "application/pdf", None)
    assert (post.kind, post.url) == ("link", "https://example.org/p")


def test_missing_competency_reads_as_empty_evidence():
    entry = read_snapshot(doc("Text", [])).entry("C9")
    assert entry.narrative == "" and entry.artifacts == ()


def test_only_web_links_become_links():
    bad = {**LINK, "url": "javascript:alert(1)"}
    (artifact,) = read_snapshot(doc("", [bad])).entry("C1").artifacts
    assert artifact.url is None and artifact.caption == "Post"


def test_malformed_parts_are_skipped_not_raised():
    view = read_snapshot(
        {"competencies": [None, {"narrative": "no code"}, {"code": "C1", "artifacts": [3]}]}
    )
    assert list(view.entries) == ["C1"] and view.entry("C1").artifacts == ()


def test_older_shapes_still_read():
    old = {
        "entries": {"C1": {"narrative": "Old", "artifact_ids": [7]}},
        "artifacts": [{**FILE, "file": None, "name": "old.pdf"}],
    }
    (artifact,) = read_snapshot(old).entry("C1").artifacts
    assert read_snapshot(old).entry("C1").narrative == "Old" and artifact.name == "old.pdf"


def test_diff_marks_added_and_removed_lines_in_order():
    lines = diff_lines("one\ntwo\nthree", "one\n2\nthree\nfour")
    assert [(line.kind, line.text) for line in lines] == [
        ("same", "one"),
        ("removed", "two"),
        ("added", "2"),
        ("same", "three"),
        ("added", "four"),
    ]


def test_changes_list_added_and_removed_artifacts():
    before, after = read_snapshot(doc("Same", [FILE])), read_snapshot(doc("Same", [LINK]))
    changes = snapshot_changes(before, after, ["C1"])["C1"]
    assert [a.caption for a in changes.added] == ["Post"]
    assert [a.caption for a in changes.removed] == ["Report"]
    assert changes.changed


def test_an_unchanged_entry_reports_no_change():
    view = read_snapshot(doc("Same", [FILE]))
    assert not snapshot_changes(view, view, ["C1"])["C1"].changed
