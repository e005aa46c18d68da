"""Frozen submission snapshots: the one place that writes their JSON document and reads it back.

Submitting a set freezes its evidence as a plain JSON document (models.portfolios.Submission
.snapshot) with the SHA-256 of its canonical bytes (Submission.snapshot_sha256). Format 1,
the only one so far (every snapshot ever written carries "format": 1):

    {"format": 1, "set": {"code": "FOUND", "name": "..."}, "attempt": 1,
     "learning_statement": "...",
     "competencies": [{"code": "F1", "title": "...", "narrative": "...",
                       "artifacts": [{"id": 3, "kind": "file", "caption": "...",
                                      "description": "...",
                                      "file": {"key": "...", "sha256": "...", "size": 1234,
                                               "content_type": "application/pdf",
                                               "original_name": "report.pdf"}},
                                     {"id": 4, "kind": "link", "caption": "...",
                                      "description": "...", "url": "https://..."}]}]}

read_snapshot is strict on purpose: a snapshot is evidence a decision rests on, so one whose
bytes no longer match their stored SHA-256, of a format we do not know, or of any shape the
writer never produced raises CorruptSnapshot instead of being shown in part.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from portfolio.domain.errors import CorruptSnapshot
from portfolio.domain.portfolios.snapshot_format import FORMAT_1, read_format_1, write_format_1
from portfolio.domain.portfolios.snapshot_views import Snapshot

SNAPSHOT_FORMAT = FORMAT_1  # what build_snapshot writes


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """The one byte form of a snapshot: sorted keys, no spaces, UTF-8. Any JSON store that
    keeps the values (JSONB reorders keys) gives back a document with the same bytes."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def snapshot_sha256(document: Mapping[str, Any]) -> str:
    """The hex SHA-256 of the document's canonical bytes (what Submission.snapshot_sha256 keeps)."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def build_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    """The JSON document to store for `snapshot`, in the current format (plain JSON values
    only, so its hash is stable). read_snapshot(build_snapshot(s), sha) gives `s` back."""
    if snapshot.format != SNAPSHOT_FORMAT:
        raise ValueError(f"snapshots are written in format {SNAPSHOT_FORMAT} only")
    return write_format_1(snapshot)


def read_snapshot(document: object, stored_sha256: object) -> Snapshot:
    """The stored `document` as a typed Snapshot, after checking it against `stored_sha256`.

    Raises CorruptSnapshot when the document is not a JSON object, its bytes do not match the
    stored SHA-256, its format is missing or unknown, or any part has a shape the writer of
    that format never produced (a missing or extra field, a wrong type, a non-web link).
    """
    if not isinstance(document, Mapping):
        raise CorruptSnapshot("it is not a JSON object")
    try:
        digest = snapshot_sha256(document)
    except (TypeError, ValueError):
        raise CorruptSnapshot("it holds values JSON cannot represent") from None
    if not isinstance(stored_sha256, str) or digest != stored_sha256:
        raise CorruptSnapshot("its content no longer matches its SHA-256 fingerprint")
    version = document.get("format")
    if version == FORMAT_1 and type(version) is int:
        return read_format_1(document)
    raise CorruptSnapshot(f"its format ({version!r}) is not one this version knows")
