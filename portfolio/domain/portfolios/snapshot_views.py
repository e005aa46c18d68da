"""A frozen snapshot as typed values: what reviewers, candidates and supervisors are shown.

domain.portfolios.snapshots builds the stored document from these and reads it back into them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FileView:
    """A verified file as it was when the set was submitted."""

    key: str  # the object-store key
    # The file's fingerprint (domain.uploads.fingerprint): its SHA-256, or for a file checked
    # by parts the composite "<hex>-NxP"; either is recomputed from the file alone.
    sha256: str
    size: int
    content_type: str
    original_name: str


@dataclass(frozen=True)
class ArtifactView:
    """A file or a web link, with its caption and description."""

    id: int
    kind: str  # "file" (then `file` is set) or "link" (then `url` is an http(s) address)
    caption: str
    description: str
    url: str | None = None
    file: FileView | None = None

    @property
    def key(self) -> str:
        """What identifies the artifact across attempts: a file's SHA-256, else its id."""
        return self.file.sha256 if self.file is not None else f"id:{self.id}"

    @property
    def name(self) -> str:
        return self.file.original_name if self.file is not None else ""

    @property
    def content_type(self) -> str:
        return self.file.content_type if self.file is not None else ""

    @property
    def storage_key(self) -> str:
        """The object-store key of a file ("" for a link)."""
        return self.file.key if self.file is not None else ""


@dataclass(frozen=True)
class EntryView:
    """One competency's frozen evidence."""

    code: str
    title: str
    narrative: str
    artifacts: tuple[ArtifactView, ...]


@dataclass(frozen=True)
class SetView:
    code: str
    name: str


@dataclass(frozen=True)
class Snapshot:
    """One submission's frozen evidence, in the framework's order of competencies."""

    format: int
    submitted_set: SetView  # the competency set as named when it was submitted
    attempt: int
    learning_statement: str
    competencies: tuple[EntryView, ...]

    @property
    def entries(self) -> Mapping[str, EntryView]:
        """The entries by competency code."""
        return {entry.code: entry for entry in self.competencies}

    def entry(self, code: str) -> EntryView:
        """The entry for `code`, or an empty one: a competency added to the set after this
        submission has no evidence in it (a reviewer then sees "no evidence")."""
        return self.entries.get(code) or EntryView(code, "", "", ())

    def file_keys(self) -> set[str]:
        """The object-store keys of every file the snapshot names."""
        return {
            artifact.file.key
            for entry in self.competencies
            for artifact in entry.artifacts
            if artifact.file is not None
        }
