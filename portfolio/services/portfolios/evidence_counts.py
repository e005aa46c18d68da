"""Evidence counts per competency for the dashboard, in two queries however large the portfolio.

Usable evidence is what a submission would count: a link, or a file whose upload is verified
(domain.portfolios.evidence.is_usable says the same for one artifact).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from portfolio.models import (
    Artifact,
    ArtifactKind,
    Competency,
    EnrollmentSet,
    Portfolio,
    PortfolioEntry,
    Route,
    Upload,
    UploadStatus,
)
from portfolio.models.portfolios import entry_artifact


@dataclass(frozen=True)
class CompetencyEvidenceCount:
    code: str
    title: str
    has_narrative: bool
    artifacts: int


def evidence_counts(
    session: Session, enrollment_sets: Iterable[EnrollmentSet]
) -> dict[int, tuple[CompetencyEvidenceCount, ...]]:
    """For each set on the portfolio route: every competency, in order, with its evidence."""
    by_set = {s.id: s for s in enrollment_sets if s.route == Route.PORTFOLIO}
    if not by_set:
        return {}
    set_ids = {s.set_id for s in by_set.values()}
    enrollment_ids = {s.enrollment_id for s in by_set.values()}
    competencies = session.execute(
        select(Competency.id, Competency.set_id, Competency.code, Competency.title)
        .where(Competency.set_id.in_(set_ids))
        .order_by(Competency.set_id, Competency.position)
    ).all()
    usable = or_(Artifact.kind == ArtifactKind.LINK, Upload.status == UploadStatus.VERIFIED)
    rows = session.execute(
        select(
            Portfolio.enrollment_id,
            PortfolioEntry.competency_id,
            func.max(func.length(func.trim(PortfolioEntry.narrative))),
            func.count(Artifact.id).filter(usable),
        )
        .join(Portfolio, Portfolio.id == PortfolioEntry.portfolio_id)
        .outerjoin(entry_artifact, entry_artifact.c.entry_id == PortfolioEntry.id)
        .outerjoin(Artifact, and_(Artifact.id == entry_artifact.c.artifact_id))
        .outerjoin(Upload, Upload.id == Artifact.upload_id)
        .where(Portfolio.enrollment_id.in_(enrollment_ids))
        .group_by(Portfolio.enrollment_id, PortfolioEntry.competency_id)
    ).all()
    found = {
        (enrollment, competency): (bool(length), count)
        for enrollment, competency, length, count in rows
    }
    result: dict[int, tuple[CompetencyEvidenceCount, ...]] = {}
    for set_row_id, enrollment_set in by_set.items():
        items = []
        for competency_id, set_id, code, title in competencies:
            if set_id != enrollment_set.set_id:
                continue
            narrative, count = found.get((enrollment_set.enrollment_id, competency_id), (False, 0))
            items.append(CompetencyEvidenceCount(code, title, narrative, int(count)))
        result[set_row_id] = tuple(items)
    return result
