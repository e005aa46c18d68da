"""Format 1 of the snapshot document: writing it, and reading it strictly.

The reader accepts exactly what write_format_1 produces (the same fields, of the same types)
and raises CorruptSnapshot naming the first part that differs; it never skips a part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from portfolio.domain.errors import CorruptSnapshot
from portfolio.domain.portfolios.evidence import LINK_SCHEMES
from portfolio.domain.portfolios.snapshot_views import (
    ArtifactView,
    EntryView,
    FileView,
    SetView,
    Snapshot,
)

FORMAT_1 = 1

_TOP = {"format", "set", "attempt", "learning_statement", "competencies"}
_SET = {"code", "name"}
_COMPETENCY = {"code", "title", "narrative", "artifacts"}
_LINK = {"id", "kind", "caption", "description", "url"}
_FILE_ARTIFACT = {"id", "kind", "caption", "description", "file"}
_FILE = {"key", "sha256", "size", "content_type", "original_name"}


def write_format_1(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "format": FORMAT_1,
        "set": {"code": snapshot.submitted_set.code, "name": snapshot.submitted_set.name},
        "attempt": snapshot.attempt,
        "learning_statement": snapshot.learning_statement,
        "competencies": [
            {
                "code": entry.code,
                "title": entry.title,
                "narrative": entry.narrative,
                "artifacts": [_write_artifact(artifact) for artifact in entry.artifacts],
            }
            for entry in snapshot.competencies
        ],
    }


def _write_artifact(artifact: ArtifactView) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": artifact.id,
        "kind": artifact.kind,
        "caption": artifact.caption,
        "description": artifact.description,
    }
    if artifact.file is not None:
        file = artifact.file
        document["file"] = {
            "key": file.key,
            "sha256": file.sha256,
            "size": file.size,
            "content_type": file.content_type,
            "original_name": file.original_name,
        }
    else:
        document["url"] = artifact.url
    return document


def read_format_1(document: Mapping[str, Any]) -> Snapshot:
    _fields(document, _TOP, "the document")
    set_part = _fields(document["set"], _SET, "set")
    entries = tuple(
        _entry(raw, f"competencies[{n}]")
        for n, raw in enumerate(_list(document["competencies"], "competencies"))
    )
    codes = [entry.code for entry in entries]
    if len(set(codes)) != len(codes):
        raise CorruptSnapshot("competencies: a competency appears twice")
    return Snapshot(
        format=FORMAT_1,
        submitted_set=SetView(
            _str(set_part["code"], "set.code"), _str(set_part["name"], "set.name")
        ),
        attempt=_int(document["attempt"], "attempt", minimum=1),
        learning_statement=_str(document["learning_statement"], "learning_statement"),
        competencies=entries,
    )


def _entry(raw: object, path: str) -> EntryView:
    part = _fields(raw, _COMPETENCY, path)
    artifacts = _list(part["artifacts"], f"{path}.artifacts")
    return EntryView(
        code=_str(part["code"], f"{path}.code", empty=False),
        title=_str(part["title"], f"{path}.title"),
        narrative=_str(part["narrative"], f"{path}.narrative"),
        artifacts=tuple(
            _artifact(item, f"{path}.artifacts[{n}]") for n, item in enumerate(artifacts)
        ),
    )


def _artifact(raw: object, path: str) -> ArtifactView:
    kind = raw.get("kind") if isinstance(raw, Mapping) else None
    if kind == "link":
        part = _fields(raw, _LINK, path)
        return ArtifactView(**_common(part, path), url=_web_address(part["url"], f"{path}.url"))
    if kind == "file":
        part = _fields(raw, _FILE_ARTIFACT, path)
        return ArtifactView(**_common(part, path), file=_file(part["file"], f"{path}.file"))
    raise CorruptSnapshot(f"{path}: not a file or a link")


def _common(part: Mapping[str, Any], path: str) -> dict[str, Any]:
    return {
        "id": _int(part["id"], f"{path}.id", minimum=1),
        "kind": part["kind"],
        "caption": _str(part["caption"], f"{path}.caption"),
        "description": _str(part["description"], f"{path}.description"),
    }


def _file(raw: object, path: str) -> FileView:
    part = _fields(raw, _FILE, path)
    return FileView(
        key=_str(part["key"], f"{path}.key", empty=False),
        sha256=_str(part["sha256"], f"{path}.sha256", empty=False),
        size=_int(part["size"], f"{path}.size", minimum=0),
        content_type=_str(part["content_type"], f"{path}.content_type", empty=False),
        original_name=_str(part["original_name"], f"{path}.original_name"),
    )


def _web_address(value: object, path: str) -> str:
    address = _str(value, path, empty=False)
    if urlsplit(address).scheme.lower() not in LINK_SCHEMES:
        raise CorruptSnapshot(f"{path}: not a web address")
    return address


def _fields(value: object, expected: set[str], path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CorruptSnapshot(f"{path}: not an object")
    missing, extra = expected - set(value), set(value) - expected
    if missing:
        raise CorruptSnapshot(f"{path}: {sorted(missing)[0]} is missing")
    if extra:
        raise CorruptSnapshot(f"{path}: {sorted(extra)[0]} is not a field of this format")
    return value


def _list(value: object, path: str) -> Sequence[object]:
    if not isinstance(value, list):
        raise CorruptSnapshot(f"{path}: not a list")
    return value


def _str(value: object, path: str, *, empty: bool = True) -> str:
    if not isinstance(value, str) or (not empty and not value):
        raise CorruptSnapshot(f"{path}: not {'a' if empty else 'a non-empty'} text")
    return value


def _int(value: object, path: str, *, minimum: int) -> int:
    # bool is an int in Python but never one the writer stores.
    if type(value) is not int or value < minimum:
        raise CorruptSnapshot(f"{path}: not a whole number of at least {minimum}")
    return value
