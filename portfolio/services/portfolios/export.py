"""Gathering a candidate's portfolio for export (domain.portfolios.export_document): the
document, and the files to put beside it. A fixed number of queries whatever the portfolio
holds; the files themselves are read later, one by one, while the zip streams."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.portfolios.export_document import (
    ExportedFile,
    export_document,
    safe_file_name,
)
from portfolio.domain.portfolios.narrative import Rendered, html_to_show
from portfolio.models import (
    Artifact,
    ArtifactKind,
    Enrollment,
    Portfolio,
    PortfolioEntry,
    Submission,
    UploadStatus,
    User,
)
from portfolio.services.portfolios import entries, submissions


@dataclass
class ExportHtml:
    """The texts' sanitised HTML for the offline index: the HTML stored when each was saved
    (rendered now only for an older renderer's), so making the export parses no Markdown."""

    learning_statement: str = ""
    narratives: dict[tuple[str, str], str] = field(default_factory=dict)  # (set, competency)


def portfolio_export(
    session: Session, person: User, enrollment: Enrollment, now: datetime
) -> tuple[dict[str, Any], list[ExportedFile], ExportHtml]:
    """Everything of `enrollment`'s portfolio (the caller checked it is `person`'s own)."""
    portfolio = session.scalar(
        select(Portfolio)
        .where(Portfolio.enrollment_id == enrollment.id)
        .options(
            selectinload(Portfolio.entries).selectinload(PortfolioEntry.artifacts),
            selectinload(Portfolio.artifacts).selectinload(Artifact.upload),
        )
    )
    sets = entries.portfolio_sets(enrollment)
    sent = submissions.submissions_by_set(session, [s.id for s in sets])
    by_competency = entries.entries_by_competency(portfolio) if portfolio else {}
    files: list[ExportedFile] = []
    artifacts: list[dict[str, Any]] = []
    for artifact in portfolio.artifacts if portfolio else []:
        item: dict[str, Any] = {
            "id": artifact.id,
            "kind": artifact.kind.value,
            "caption": artifact.caption,
            "description": artifact.description,
        }
        upload = artifact.upload
        if artifact.kind == ArtifactKind.LINK and artifact.url:
            item["url"] = artifact.url
        elif upload is not None and upload.status == UploadStatus.VERIFIED:
            path = safe_file_name(artifact.id, upload.original_name)
            item["file"] = {
                "path": path,
                "original_name": upload.original_name,
                "content_type": upload.content_type or "application/octet-stream",
                "size": int(upload.size or 0),
                "sha256": upload.sha256 or "",
            }
            files.append(
                ExportedFile(
                    artifact.id, path, upload.key, int(upload.size or 0), upload.sha256 or ""
                )
            )
        else:
            continue  # a file that never arrived or failed its checks is not evidence
        artifacts.append(item)
    exported = {item["id"] for item in artifacts}
    html = ExportHtml()
    if portfolio is not None and portfolio.learning_statement:
        html.learning_statement = html_to_show(
            portfolio.learning_statement,
            Rendered(portfolio.learning_statement_html, portfolio.learning_statement_rendered_with),
        )
    document_sets = []
    for enrollment_set in sets:
        competencies = []
        for competency in enrollment_set.competency_set.competencies:
            entry = by_competency.get(competency.id)
            if entry is not None and entry.narrative:
                html.narratives[(enrollment_set.competency_set.code, competency.code)] = (
                    html_to_show(
                        entry.narrative,
                        Rendered(entry.narrative_html, entry.narrative_rendered_with),
                    )
                )
            competencies.append(
                {
                    "code": competency.code,
                    "title": competency.title,
                    "narrative": entry.narrative if entry else "",
                    "artifacts": sorted(
                        a.id for a in (entry.artifacts if entry else []) if a.id in exported
                    ),
                }
            )
        document_sets.append(
            {
                "code": enrollment_set.competency_set.code,
                "name": enrollment_set.competency_set.name,
                "route": enrollment_set.route.value,
                "status": enrollment_set.status.value,
                "competencies": competencies,
                "submissions": [_submission(s) for s in sent[enrollment_set.id]],
            }
        )
    framework = enrollment.framework
    document = export_document(
        exported_at=now,
        person={"name": person.name, "email": person.email},
        program={
            "slug": framework.slug,
            "name": framework.name,
            "version": framework.version,
            "enrolled_on": enrollment.enrolled_on.isoformat(),
            "window_ends_on": enrollment.window_ends_on.isoformat(),
            "status": enrollment.status.value,
        },
        learning_statement=portfolio.learning_statement if portfolio else "",
        sets=document_sets,
        artifacts=artifacts,
    )
    return document, files, html


def _submission(submission: Submission) -> dict[str, Any]:
    return {
        "attempt": submission.attempt,
        "submitted_at": submission.submitted_at.isoformat(timespec="seconds"),
        "status": submission.status.value,
        "snapshot_sha256": submission.snapshot_sha256,
        "snapshot": submission.snapshot,
    }
