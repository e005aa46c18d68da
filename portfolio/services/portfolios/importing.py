"""Importing a portfolio export (services.portfolios.export wrote it, here or on another
installation) into the candidate's portfolio here, as a draft, all or nothing.

The archive is checked from its directory first (domain.portfolios.import_archive), then its
document (domain.portfolios.import_document), then the candidate's program and sets here; only
then is anything written, and every text and artifact goes through the same services as an
edit in the browser (rendered once, sanitised, length limits; files verified like any upload).
Any refusal raises ImportRefused (or Conflict): the caller rolls back, and the objects written
meanwhile are deleted after the rollback (deletions.delete_unless_committed).

Never imported: submissions, set statuses, decisions, scores and certificates, which belong to
the installation that issued them; the person's name and email (the signed-in person is who
imports). The archive is read with seeks (the zip directory is at its end), so `archive` is a
seekable file: the posted form file, spooled to disk, or a ranged reader over a stored object
(storage.ranged, for an export sent through the upload flow: services.portfolios.import_jobs).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.portfolios.evidence import status_after_edit
from portfolio.domain.portfolios.import_archive import (
    DOCUMENT_NAME,
    ImportLimits,
    ImportRefused,
    check_directory,
    check_members,
)
from portfolio.domain.portfolios.import_document import (
    NOTHING,
    SetHere,
    check_program,
    place,
    read_document,
)
from portfolio.domain.uploads.transfer import UploadLimits
from portfolio.models import Enrollment, Portfolio, PortfolioImport, Route, User
from portfolio.services import audit
from portfolio.services.portfolios import artifacts, entries
from portfolio.services.portfolios.import_files import (
    bring_in_file,
    member_of,
    read_document_member,
)
from portfolio.storage import ObjectStore

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "schemas" / "portfolio-export-1.schema.json"
NOT_EMPTY = (
    "Your portfolio here already holds evidence (a learning statement, a narrative or an "
    "artifact). An import fills an empty portfolio only, so that nothing of yours is written "
    "over. " + NOTHING
)


def import_limits_from(config: Mapping[str, Any]) -> ImportLimits:
    """The bounds the app's PORTFOLIO_IMPORT_* settings give one import."""
    return ImportLimits(
        max_archive_bytes=int(config["PORTFOLIO_IMPORT_MAX_BYTES"]),
        max_total_bytes=int(config["PORTFOLIO_IMPORT_MAX_UNPACKED_BYTES"]),
        max_members=int(config["PORTFOLIO_IMPORT_MAX_ENTRIES"]),
        max_ratio=int(config["PORTFOLIO_IMPORT_MAX_RATIO"]),
    )


@cache
def export_schema() -> dict[str, Any]:
    """The JSON Schema of the one export version this installation reads."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def import_portfolio(
    session: Session,
    store: ObjectStore,
    person: User,
    enrollment: Enrollment,
    archive: IO[bytes],
    *,
    name: str,
    now: datetime,
    limits: ImportLimits,
    upload_limits: UploadLimits,
    record: PortfolioImport | None = None,
) -> PortfolioImport:
    """Import the export in `archive` into `enrollment`'s portfolio (the caller checked it is
    `person`'s own), filling in `record` (an import a job runs) or a new one. ImportRefused
    (422) or Conflict (409) with a message; the caller then rolls back, and nothing is kept."""
    entries.require_open(enrollment)
    try:
        # The end record first: zipfile reads the whole central directory it names into
        # memory, so its size is bounded before the archive is opened.
        # (zipfile's own reader of it: private, but unchanged since Python 2.)
        end = zipfile._EndRecData(archive)  # type: ignore[attr-defined]
        if end:
            entries_total, directory_size = end[4], end[5]  # _ECD_ENTRIES_TOTAL, _ECD_SIZE
            check_directory(entries_total, directory_size, limits)
        opened = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ImportRefused(
            f"This file is not a zip archive, so it is not a portfolio export. {NOTHING}"
        ) from None
    with opened:
        infos = opened.infolist()
        check_members([member_of(info) for info in infos], limits)
        by_name = {info.orig_filename: info for info in infos}
        document = read_document(
            read_document_member(opened, by_name[DOCUMENT_NAME], limits), export_schema()
        )
        framework = enrollment.framework
        check_program(document, framework.slug, framework.name)
        portfolio = entries.ensure_portfolio(session, enrollment, fresh=True)
        # Two imports at once would both find the portfolio empty: the second waits here for
        # the first to finish, then reads what it wrote (PostgreSQL; SQLite's writers take turns).
        session.execute(select(Portfolio.id).where(Portfolio.id == portfolio.id).with_for_update())
        portfolio = entries.ensure_portfolio(session, enrollment, fresh=True)
        _require_empty(portfolio)
        placement = place(document, _sets_here(enrollment))
        for item in document["artifacts"]:  # from the directory, before a byte is written
            if "file" not in item:
                continue
            path, size = item["file"]["path"], item["file"]["size"]
            if path not in by_name:
                raise ImportRefused(
                    f"The file {path} of artifact {item['id']} is not in the archive. {NOTHING}"
                )
            if by_name[path].file_size != size:
                raise ImportRefused(
                    f"The file {path} of artifact {item['id']} holds "
                    f"{by_name[path].file_size:,} bytes in the archive, but the document says "
                    f"{size:,}. {NOTHING}"
                )
        named = {item["file"]["path"] for item in document["artifacts"] if "file" in item}
        unnamed = [
            info.orig_filename
            for info in infos
            if not info.is_dir()
            and info.orig_filename not in named
            and info.orig_filename not in {DOCUMENT_NAME, "index.html", SCHEMA_PATH.name}
        ]
        if unnamed:
            placement.left_out.append(
                f"{len(unnamed)} file{'s' if len(unnamed) != 1 else ''} in the archive that "
                f"the document does not name (such as {unnamed[0][:80]!r}): only the files of "
                "its artifacts are imported."
            )
        record = record or PortfolioImport(user_id=person.id, enrollment_id=enrollment.id)
        record.imported_at = now
        record.original_name = name[:255]
        record.exported_at = str(document["exported_at"])[:40]
        record.program_version = document["program"]["version"]
        record.narratives = record.links = record.files = record.file_bytes = 0
        record.not_placed = placement.not_placed
        record.left_out = placement.left_out
        with _named("The learning statement"):
            statement = document["learning_statement"]
            entries.update_learning_statement(
                session, portfolio, statement, portfolio.version, actor=person
            )
        competency_ids = {
            (s.competency_set.code, c.code): c.id
            for s in enrollment.sets
            for c in s.competency_set.competencies
        }
        for item in document["artifacts"]:
            supported = [competency_ids[pair] for pair in placement.supports[item["id"]]]
            shown = f"Artifact {item['id']} ({item['caption'][:80]!r})"
            if "file" in item:
                upload = bring_in_file(
                    session,
                    store,
                    person,
                    opened,
                    by_name[item["file"]["path"]],
                    item,
                    now=now,
                    limits=upload_limits,
                )
                with _named(shown):
                    _add_file(session, portfolio, item, upload.id, supported)
                record.files += 1
                record.file_bytes += int(upload.size or 0)
            else:
                with _named(shown):
                    _add_link(session, portfolio, item, supported)
                record.links += 1
        by_competency = entries.entries_by_competency(portfolio)
        for (set_code, code), text in placement.narratives.items():
            entry = by_competency[competency_ids[(set_code, code)]]
            if text.strip():
                with _named(f"The narrative of competency {code}"):
                    entries.update_narrative(session, entry, text, entry.version, actor=person)
                record.narratives += 1
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=person,
        action=AuditAction.PORTFOLIO_IMPORTED,
        object_type="portfolio",
        object_id=portfolio.id,
        details={
            "import_id": record.id,
            "program": framework.slug,
            "exported_at": record.exported_at,
            "narratives": record.narratives,
            "links": record.links,
            "files": record.files,
            "not_placed": len(record.not_placed),
        },
    )
    return record


def _sets_here(enrollment: Enrollment) -> list[SetHere]:
    """The candidate's sets here, each with why it cannot take a draft now (if it cannot)."""
    found = []
    for enrollment_set in enrollment.sets:
        code = enrollment_set.competency_set.code
        blocked = ""
        if enrollment_set.route != Route.PORTFOLIO:
            blocked = f"set {code} is on the {enrollment_set.route.value} route here"
        else:
            try:
                status_after_edit(enrollment_set.status)
            except Conflict as exc:
                blocked = f"set {code} cannot change here ({exc.message})"
        codes = frozenset(c.code for c in enrollment_set.competency_set.competencies)
        found.append(SetHere(code, codes, blocked))
    return found


def _require_empty(portfolio: Portfolio) -> None:
    written = portfolio.learning_statement.strip() or any(
        entry.narrative.strip() for entry in portfolio.entries
    )
    if written or portfolio.artifacts:
        raise Conflict(NOT_EMPTY)


def _add_file(
    session: Session, portfolio: Portfolio, item: dict[str, Any], upload_id: int, ids: list[int]
) -> None:
    artifacts.add_file_artifact(
        session,
        portfolio,
        upload_id=upload_id,
        caption=item["caption"],
        description=item["description"],
        competency_ids=ids,
        actor=portfolio.enrollment.user,
    )


def _add_link(session: Session, portfolio: Portfolio, item: dict[str, Any], ids: list[int]) -> None:
    artifacts.add_link_artifact(
        session,
        portfolio,
        url=item["url"],
        caption=item["caption"],
        description=item["description"],
        competency_ids=ids,
        actor=portfolio.enrollment.user,
    )


@contextmanager
def _named(what: str) -> Iterator[None]:
    """One save through its service: a rule it breaks refuses the whole import, naming `what`."""
    try:
        yield
    except ImportRefused:
        raise
    except (InvalidInput, Conflict) as exc:  # the store being down (503) is not the file's fault
        raise ImportRefused(f"{what}: {exc.message} {NOTHING}") from None
