"""The portfolio export: one JSON document of everything in a candidate's portfolio, which
travels in a zip with every file it names and an offline HTML index (web/candidate/export.py).

Format "portfolio-export" version 1, described by schemas/portfolio-export-1.schema.json. Each
file is named by its path in the zip and its SHA-256, so anyone can check the files they hold
against the document. Pure: the service gathers plain values, this shapes them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

EXPORT_FORMAT = "portfolio-export"
EXPORT_VERSION = 1
FILES_FOLDER = "files"
NAME_LENGTH = 80


@dataclass(frozen=True, slots=True)
class ExportedFile:
    artifact_id: int
    path: str  # inside the zip
    key: str  # in the object store (never written to the document)
    size: int
    sha256: str


def safe_file_name(artifact_id: int, original_name: str) -> str:
    """A zip path for a file that no archive tool can take out of its folder: the artifact's
    id, then the name reduced to letters, digits, dot, dash and underscore (no folder, and no
    dot first)."""
    name = unicodedata.normalize("NFKD", original_name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-_")[:NAME_LENGTH] or "file"
    return f"{FILES_FOLDER}/{artifact_id}-{name}"


def export_document(
    *,
    exported_at: datetime,
    person: dict[str, str],
    program: dict[str, Any],
    learning_statement: str,
    sets: Sequence[dict[str, Any]],
    artifacts: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "person": person,
        "program": program,
        "learning_statement": learning_statement,
        "sets": list(sets),
        "artifacts": list(artifacts),
    }
