"""Reading a portfolio export's document back (domain.portfolios.export_document writes it):
strictly, against the one format version this installation reads, then deciding where each
narrative and artifact goes in the candidate's portfolio here.

What is taken: the learning statement, each competency's narrative, and every artifact (links,
and files once verified here) with the competencies it supports, as a draft. What never is:
submissions, set statuses and anything decided, which belong to the installation that issued
them. What cannot be placed here is reported, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from portfolio.domain.portfolios.export_document import EXPORT_FORMAT, EXPORT_VERSION
from portfolio.domain.portfolios.import_archive import DOCUMENT_NAME, ImportRefused

NOTHING = "Nothing was imported."


def read_document(raw: bytes, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The document in `raw` once it is version EXPORT_VERSION of the format, valid against
    `schema`, and without a duplicated id or code; ImportRefused otherwise."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ImportRefused(f"{DOCUMENT_NAME} is not readable JSON. {NOTHING}") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ImportRefused(
            f"{DOCUMENT_NAME} is not a portfolio export (its format is not "
            f"{EXPORT_FORMAT!r}). {NOTHING}"
        )
    version = document.get("version")
    if version != EXPORT_VERSION or isinstance(version, bool):
        shown = json.dumps(version)[:40]
        raise ImportRefused(
            f"This export is version {shown} of the portfolio export format; this installation "
            f"reads version {EXPORT_VERSION} only. Export your portfolio again from an "
            f"installation that writes version {EXPORT_VERSION}. {NOTHING}"
        )
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(document)
    )
    if error is not None:
        where = _path(error.absolute_path)
        raise ImportRefused(
            f"{DOCUMENT_NAME} does not follow version {EXPORT_VERSION} of the format at {where}: "
            f"{error.message[:200]}. {NOTHING}"
        )
    check_unique(document)
    return document


def check_unique(document: Mapping[str, Any]) -> None:
    """ImportRefused for an id or code that appears twice where each must be one thing, for a
    competency naming an artifact the document does not hold, and for an artifact without the
    link or file its kind promises."""
    artifact_ids = _once([a["id"] for a in document["artifacts"]], "artifact id")
    _once([a["file"]["path"] for a in document["artifacts"] if "file" in a], "file path")
    _once([s["code"] for s in document["sets"]], "set code")
    for exported in document["sets"]:
        codes = [c["code"] for c in exported["competencies"]]
        _once(codes, f"competency code of set {exported['code']}")
    for artifact in document["artifacts"]:
        if artifact["kind"] == "file" and ("file" not in artifact or "url" in artifact):
            raise ImportRefused(
                f"Artifact {artifact['id']} is a file, so it names one file and no URL. {NOTHING}"
            )
        if artifact["kind"] == "link" and ("url" not in artifact or "file" in artifact):
            raise ImportRefused(
                f"Artifact {artifact['id']} is a link, so it has a URL and no file. {NOTHING}"
            )
    known = set(artifact_ids)
    for competency in (c for s in document["sets"] for c in s["competencies"]):
        _once(competency["artifacts"], f"artifact id of competency {competency['code']}")
        missing = sorted(set(competency["artifacts"]) - known)
        if missing:
            raise ImportRefused(
                f"Competency {competency['code']} names artifact {missing[0]}, which the "
                f"document does not hold. {NOTHING}"
            )


@dataclass(frozen=True)
class SetHere:
    """One set of the candidate's program in this installation, as the import sees it."""

    code: str
    competencies: frozenset[str]
    blocked: str = ""  # why its evidence cannot take a draft now; "" when it can


@dataclass
class Placement:
    """Where the document's evidence goes: narratives by competency code, each artifact's
    competency codes, and a sentence for everything that stays out."""

    narratives: dict[tuple[str, str], str] = field(default_factory=dict)  # (set, competency)
    supports: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    not_placed: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # never imported, by design


def check_program(document: Mapping[str, Any], slug: str, name: str) -> None:
    """ImportRefused unless the export is of the program the candidate is enrolled in here."""
    program = document["program"]
    if program["slug"] != slug:
        raise ImportRefused(
            f"This export is of the program {program['name']!r} (code {program['slug']!r}), "
            f"but you are enrolled here in {name!r} (code {slug!r}). Enroll in the same "
            f"program here first. {NOTHING}"
        )


def place(document: Mapping[str, Any], sets_here: Sequence[SetHere]) -> Placement:
    """Match the document's sets and competencies to this installation's by code.

    ImportRefused when not one competency of the document finds a place here (the export
    would bring nothing but loose files)."""
    here = {s.code: s for s in sets_here}
    placement = Placement()
    for artifact in document["artifacts"]:
        placement.supports[artifact["id"]] = []
    for exported in document["sets"]:
        target = here.get(exported["code"])
        reason = _set_reason(exported["code"], target)
        for competency in exported["competencies"]:
            code = competency["code"]
            if reason is None and target is not None and code not in target.competencies:
                why = f"set {exported['code']} has no competency {code} in this installation"
            else:
                why = reason or ""
            if why:
                if competency["narrative"].strip() or competency["artifacts"]:
                    placement.not_placed.append(
                        f"Competency {code} ({competency['title']}): not placed, because {why}. "
                        "Its narrative stays in your export file; its artifacts are in your "
                        "portfolio, supporting nothing yet."
                    )
                continue
            placement.narratives[(exported["code"], code)] = competency["narrative"]
            for artifact_id in competency["artifacts"]:
                placement.supports[artifact_id].append((exported["code"], code))
        if exported["submissions"]:
            count = len(exported["submissions"])
            placement.left_out.append(
                f"Set {exported['code']}: {count} submission{'s' if count != 1 else ''} and "
                f"the outcome ({exported['status'].replace('_', ' ')}) of the installation "
                "that issued them."
            )
    if not placement.narratives and any(s["competencies"] for s in document["sets"]):
        codes = ", ".join(s["code"] for s in document["sets"])
        raise ImportRefused(
            f"None of the sets in this export ({codes}) can take evidence in your portfolio "
            f"here. {' '.join(placement.not_placed[:3])} {NOTHING}"
        )
    return placement


def _set_reason(code: str, target: SetHere | None) -> str | None:
    if target is None:
        return f"set {code} is not one you take on the portfolio route in this installation"
    if target.blocked:
        return target.blocked
    return None


def _once(values: Sequence[Any], what: str) -> list[Any]:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ImportRefused(
                f"The {what} {json.dumps(value)[:80]} appears twice in {DOCUMENT_NAME}. {NOTHING}"
            )
        seen.add(value)
    return list(values)


def _path(parts: Sequence[str | int]) -> str:
    shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    return shown or "the top level"
