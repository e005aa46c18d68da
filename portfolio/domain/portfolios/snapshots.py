"""Reading a frozen submission snapshot for reviewers, and what changed between two attempts.

A snapshot is the JSON document services.portfolios.submissions.build_snapshot stores in
models.portfolios.Submission.snapshot:

    {"format": 1, "set": {"code": "FOUND", "name": "..."}, "attempt": 1,
     "learning_statement": "...",
     "competencies": [{"code": "F1", "title": "...", "narrative": "...",
                       "artifacts": [{"id": 3, "kind": "file", "caption": "...",
                                      "description": "...",
                                      "file": {"key": "...", "sha256": "...", "size": 1234,
                                               "content_type": "application/pdf",
                                               "original_name": "report.pdf"}},
                                     {"id": 4, "kind": "link", "caption": "...",
                                      "url": "https://..."}]}]}

The reader is lenient about shape ("entries" for "competencies", listed or keyed by code;
artifacts inline or at the top level by id; file fields inline or under "file"), because a
snapshot is frozen forever: a reviewer must still be able to read an old one.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ArtifactView:
    key: str  # what identifies the artifact across attempts (sha256, else id, else caption)
    kind: str  # "file" or "link"
    caption: str
    description: str
    name: str
    url: str | None
    content_type: str
    storage_key: str = ""  # the object-store key of a file (empty for links)


@dataclass(frozen=True)
class EntryView:
    competency_code: str
    narrative: str
    artifacts: tuple[ArtifactView, ...]


@dataclass(frozen=True)
class SnapshotView:
    learning_statement: str
    entries: Mapping[str, EntryView]  # by competency code

    def entry(self, code: str) -> EntryView:
        """The entry for `code`, or an empty one (a reviewer then sees "no evidence")."""
        return self.entries.get(code) or EntryView(code, "", ())


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class EntryChanges:
    """What changed in one competency's evidence since the previous attempt."""

    narrative: tuple[DiffLine, ...]
    added: tuple[ArtifactView, ...]
    removed: tuple[ArtifactView, ...]

    @property
    def changed(self) -> bool:
        edited = any(line.kind != "same" for line in self.narrative)
        return edited or bool(self.added) or bool(self.removed)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _artifact(raw: Mapping[str, Any]) -> ArtifactView:
    file = raw.get("file")
    details: Mapping[str, Any] = {**raw, **file} if isinstance(file, Mapping) else raw
    ident = raw.get("id")
    caption = _text(raw.get("caption"))
    sha256 = _text(details.get("sha256"))
    key = sha256 or (f"id:{ident}" if ident is not None else f"c:{caption}")
    url = raw.get("url")
    return ArtifactView(
        key=key,
        kind=_text(raw.get("kind")) or ("link" if url else "file"),
        caption=caption,
        description=_text(raw.get("description")),
        name=_text(details.get("original_name")) or _text(details.get("name")),
        # Only web links become links; anything else (javascript:, data:) stays text.
        url=url if isinstance(url, str) and url.startswith(("https://", "http://")) else None,
        content_type=_text(details.get("content_type")),
        storage_key=_text(details.get("key")) if isinstance(file, Mapping) else "",
    )


def read_snapshot(snapshot: Mapping[str, Any]) -> SnapshotView:
    """The snapshot as typed views; unknown or malformed parts are skipped, never raised."""
    by_id: dict[str, Mapping[str, Any]] = {}
    for raw in snapshot.get("artifacts") or ():
        if isinstance(raw, Mapping) and raw.get("id") is not None:
            by_id[str(raw["id"])] = raw
    raw_entries = snapshot.get("competencies") or snapshot.get("entries") or ()
    if isinstance(raw_entries, Mapping):
        raw_entries = [{"competency_code": code, **entry} for code, entry in raw_entries.items()]
    entries: dict[str, EntryView] = {}
    for raw in raw_entries:
        if not isinstance(raw, Mapping):
            continue
        code = _text(raw.get("competency_code")) or _text(raw.get("code"))
        if not code:
            continue
        found: list[Mapping[str, Any]] = [a for a in raw.get("artifacts") or () if _is_map(a)]
        found += [by_id[str(i)] for i in raw.get("artifact_ids") or () if str(i) in by_id]
        artifacts = tuple(_artifact(a) for a in found)
        entries[code] = EntryView(code, _text(raw.get("narrative")), artifacts)
    return SnapshotView(_text(snapshot.get("learning_statement")), entries)


def _is_map(value: object) -> bool:
    return isinstance(value, Mapping)


def diff_lines(before: str, after: str) -> tuple[DiffLine, ...]:
    """Line by line: unchanged, removed and added lines, in reading order."""
    old, new = before.splitlines(), after.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(DiffLine("same", text) for text in old[i1:i2])
            continue
        lines.extend(DiffLine("removed", text) for text in old[i1:i2])
        lines.extend(DiffLine("added", text) for text in new[j1:j2])
    return tuple(lines)


def entry_changes(before: EntryView, after: EntryView) -> EntryChanges:
    """What changed in one competency's evidence between two attempts."""
    old_keys = {a.key for a in before.artifacts}
    new_keys = {a.key for a in after.artifacts}
    return EntryChanges(
        narrative=diff_lines(before.narrative, after.narrative),
        added=tuple(a for a in after.artifacts if a.key not in old_keys),
        removed=tuple(a for a in before.artifacts if a.key not in new_keys),
    )


def snapshot_changes(
    before: SnapshotView, after: SnapshotView, codes: Sequence[str]
) -> dict[str, EntryChanges]:
    """Per competency code in `codes`: what changed from `before` to `after`."""
    return {code: entry_changes(before.entry(code), after.entry(code)) for code in codes}
