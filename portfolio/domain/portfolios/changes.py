"""What changed in the evidence between two attempts of a set: narratives line by line, and
the artifacts added and removed (a file is the same file when its SHA-256 is)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from portfolio.domain.portfolios.snapshot_views import ArtifactView, EntryView, Snapshot


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
    before: Snapshot, after: Snapshot, codes: Sequence[str]
) -> dict[str, EntryChanges]:
    """Per competency code in `codes`: what changed from `before` to `after`."""
    return {code: entry_changes(before.entry(code), after.entry(code)) for code in codes}
