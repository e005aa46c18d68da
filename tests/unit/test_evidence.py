"""Evidence rules: when a set's evidence may change, safe link addresses, what counts, hashes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.lifecycle import SetLifecycle as S
from portfolio.domain.portfolios.evidence import (
    CompetencyEvidence,
    check_link_url,
    clean_text,
    missing_evidence,
    status_after_edit,
)
from portfolio.domain.portfolios.snapshots import canonical_json, snapshot_sha256


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (S.NOT_STARTED, S.DRAFT),
        (S.DRAFT, S.DRAFT),
        (S.NOT_YET_MET, S.NOT_YET_MET),
        (S.SUBMITTED, S.SUBMITTED),
        (S.IN_REVIEW, S.IN_REVIEW),
        (S.NEEDS_ADJUDICATION, S.NEEDS_ADJUDICATION),
        (S.RESUBMITTED, S.RESUBMITTED),
    ],
)
def test_evidence_may_change_until_the_set_is_decided(before: S, after: S) -> None:
    assert status_after_edit(before) is after


@pytest.mark.parametrize("status", [S.MET, S.CLOSED_NOT_MET])
def test_a_met_or_closed_set_refuses_changes(status: S) -> None:
    with pytest.raises(Conflict, match="can no longer be changed"):
        status_after_edit(status)


@pytest.mark.parametrize(
    "url", ["https://library.example/report.pdf", "http://a.example:8080/x?y=1#z", " https://a.b/ "]
)
def test_http_and_https_addresses_are_accepted(url: str) -> None:
    assert check_link_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "starts with https://"),
        ("JaVaScRiPt:alert(1)", "starts with https://"),
        ("data:text/html,<script>x</script>", "starts with https://"),
        ("ftp://files.example/x", "starts with https://"),
        ("//a.example/x", "starts with https://"),
        ("https:///path-only", "site name"),
        ("https://user:secret@a.example/", "user name and password"),
        ("https://a.example/\x00", "control characters"),
        ("https://a.example/a b", "spaces"),
        ("https://a.example:port/", "not a valid"),
        ("https://a.example/" + "x" * 2000, "at most 2,000"),
        ("", "Enter the web address"),
        (None, "Enter the web address"),
    ],
)
def test_other_addresses_are_refused(url: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        check_link_url(url)
    assert caught.value.field == "url"


def test_clean_text_drops_nul_and_normalises_line_ends() -> None:
    assert clean_text("a\x00\r\nb\rc", field="f", label="F", limit=10) == "a\nb\nc"


def test_clean_text_refuses_what_is_not_text_or_too_long() -> None:
    with pytest.raises(InvalidInput):
        clean_text(None, field="f", label="F", limit=10)
    with pytest.raises(InvalidInput, match="the most is 3"):
        clean_text("abcd", field="f", label="F", limit=3)


def evidence(code: str, words: int, usable: int, unusable: int = 0) -> CompetencyEvidence:
    return CompetencyEvidence(1, code, f"Title {code}", words, usable, unusable)


def test_evidence_needs_a_narrative_and_a_usable_artifact() -> None:
    assert evidence("A", 10, 1).has_evidence
    assert not evidence("A", 0, 1).has_evidence
    assert not evidence("A", 10, 0, unusable=2).has_evidence


def test_missing_evidence_names_each_competency_and_what_it_lacks() -> None:
    lines = missing_evidence(
        [evidence("A", 10, 1), evidence("B", 0, 0), evidence("C", 5, 1, unusable=1)]
    )
    assert lines == [
        "B (Title B): add a narrative and at least one artifact",
        "C (Title C): remove or replace 1 file(s) that could not be verified",
    ]


def test_the_snapshot_hash_ignores_key_order() -> None:
    one = {"b": [1, {"y": "é", "x": None}], "a": "text"}
    two = {"a": "text", "b": [1, {"x": None, "y": "é"}]}
    assert (
        canonical_json(one)
        == canonical_json(two)
        == b'{"a":"text","b":[1,{"x":null,"y":"\xc3\xa9"}]}'
    )
    assert snapshot_sha256(one) == snapshot_sha256(two)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
)


@settings(suppress_health_check=[HealthCheck.too_slow])  # big documents on a busy machine
@given(st.dictionaries(st.text(), json_values))
def test_any_change_to_a_snapshot_changes_its_hash(document: dict[str, object]) -> None:
    changed = {**document, "\x00marker": True}
    assert snapshot_sha256(changed) != snapshot_sha256(document)
