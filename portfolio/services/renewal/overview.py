"""Renewals per quarter for administrators: certificates due for renewal, in progress and
lapsed by the quarter of their expiry date, and those renewed by the quarter of the expiry they
were renewed from. A fixed number of queries whatever the data: one for the counts of each
stage, one for the page's rows, one for their total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.renewal.quarters import Quarter, RenewalStage
from portfolio.models import Certificate, RenewalApplication, RenewalStatus, User

PER_PAGE = 25
MAX_QUERY = 100


@dataclass(frozen=True)
class RenewalRow:
    certificate: Certificate
    renewal: RenewalApplication | None


@dataclass(frozen=True)
class QuarterOverview:
    quarter: Quarter | None  # None: every quarter
    stage: RenewalStage
    counts: dict[RenewalStage, int]
    rows: list[RenewalRow]
    total: int
    page: int
    pages: int


def _current_renewal() -> Any:
    return and_(
        RenewalApplication.certificate_id == Certificate.id,
        RenewalApplication.cycle_expires_on == Certificate.expires_on,
    )


def _stage_filter(stage: RenewalStage, quarter: Quarter | None) -> list[Any]:
    """WHERE clauses of one stage's rows (selected from Certificate outer-joined to its current
    renewal application, or joined to the approved ones for RENEWED)."""
    if stage is RenewalStage.RENEWED:
        where: list[Any] = [RenewalApplication.status == RenewalStatus.APPROVED]
        if quarter is not None:
            where.append(
                RenewalApplication.cycle_expires_on.between(quarter.starts_on, quarter.ends_on)
            )
        return where
    where = [Certificate.revoked_at.is_(None)]
    if quarter is not None:
        where.append(Certificate.expires_on.between(quarter.starts_on, quarter.ends_on))
    if stage is RenewalStage.LAPSED:
        where.append(Certificate.lapsed_on.is_not(None))
    elif stage is RenewalStage.IN_PROGRESS:
        where += [Certificate.lapsed_on.is_(None), RenewalApplication.id.is_not(None)]
    else:
        where += [Certificate.lapsed_on.is_(None), RenewalApplication.id.is_(None)]
    return where


def _base(stage: RenewalStage, columns: Any) -> Any:
    query = select(columns).select_from(Certificate)
    if stage is RenewalStage.RENEWED:
        return query.join(RenewalApplication, RenewalApplication.certificate_id == Certificate.id)
    return query.outerjoin(RenewalApplication, _current_renewal())


def quarter_overview(
    session: Session,
    quarter: Quarter | None,
    *,
    stage: RenewalStage,
    search: str,
    page: int,
) -> QuarterOverview:
    counts = {}
    for each in RenewalStage:
        # One statement: a scalar subquery per stage.
        counts[each] = (
            _base(each, func.count()).where(*_stage_filter(each, quarter)).scalar_subquery()
        )
    row = session.execute(select(*counts.values())).one()
    numbers = dict(zip(counts, (int(n) for n in row), strict=True))
    where = _stage_filter(stage, quarter)
    text = " ".join(search.split())[:MAX_QUERY]
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        where.append(
            or_(
                User.name.ilike(pattern),
                User.email.ilike(pattern),
                Certificate.number.ilike(pattern),
            )
        )
    total_query = (
        _base(stage, func.count()).join(User, User.id == Certificate.user_id).where(*where)
    )
    total = int(session.scalar(total_query) or 0)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    order = (
        RenewalApplication.cycle_expires_on
        if stage is RenewalStage.RENEWED
        else Certificate.expires_on
    )
    result = session.execute(
        _base(stage, Certificate)
        .add_columns(RenewalApplication)
        .join(User, User.id == Certificate.user_id)
        .where(*where)
        .options(joinedload(Certificate.user), joinedload(Certificate.framework))
        .order_by(order, Certificate.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    rows = [RenewalRow(certificate, renewal) for certificate, renewal in result]
    return QuarterOverview(quarter, stage, numbers, rows, total, page, pages)
