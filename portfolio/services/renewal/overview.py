"""Renewals for administrators: certificates due for renewal, in progress and lapsed by the
quarter of their expiry date, and those renewed by the quarter of the expiry they were renewed
from; searched, sorted, paged and exported like every admin list (services/listing.py).

The stage and the quarter are filters that always have a value (the list has no meaning across
stages: a renewed certificate is listed by the expiry it was renewed from). A fixed number of
queries whatever the data: the quarters there are certificates in, the counts of each stage,
and the page's total and rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.domain.renewal.quarters import Quarter, RenewalStage, parse_quarter, quarter_of
from portfolio.models import Certificate, RenewalApplication, RenewalStatus, User
from portfolio.services.listing import AnyRow, ListQuery, fetch_page

EVERY_QUARTER = "all"
QUARTERS_AROUND = 100  # the quarter filter offers at most 25 years either side of today


@dataclass(frozen=True)
class RenewalRow:
    certificate: Certificate
    renewal: RenewalApplication | None


def renewal_list(session: Session, today: date) -> ListSpec:
    """The renewals list's offer: every quarter with a certificate expiring (or renewed from)
    in it, and this one; this quarter and the certificates due unless asked otherwise."""
    this = quarter_of(today)
    return ListSpec(
        sorts=(
            Choice("expires", "Expiry date"),
            Choice("holder", "Holder's name"),
            Choice("number", "Certificate number"),
        ),
        filters=(
            ListFilter(
                "stage",
                "Stage",
                tuple(Choice(stage.value, stage.label) for stage in RenewalStage),
                required=True,
            ),
            ListFilter(
                "quarter",
                "Expiring in",
                (
                    Choice(EVERY_QUARTER, "Every quarter"),
                    *(Choice(q.key, q.label) for q in _quarters(session, this)),
                ),
                required=True,
            ),
        ),
        default_order="asc",  # the soonest expiry first
        search_label="Search by name, email or certificate number",
        default_filters={"stage": RenewalStage.DUE.value, "quarter": this.key},
    )


def _quarters(session: Session, this: Quarter) -> list[Quarter]:
    """The quarters from the earliest expiry to the latest (one query), with this one."""
    expiries = union_all(
        select(Certificate.expires_on.label("day")),
        select(RenewalApplication.cycle_expires_on.label("day")),
    ).subquery()
    first, last = session.execute(select(func.min(expiries.c.day), func.max(expiries.c.day))).one()
    low = quarter_of(first) if first else this
    high = quarter_of(last) if last else this
    low, high = min(low, this), max(high, this)
    found: list[Quarter] = []
    quarter = _step(this, -QUARTERS_AROUND)
    for _ in range(2 * QUARTERS_AROUND + 1):
        if low <= quarter <= high:
            found.append(quarter)
        quarter = quarter.next()
    return found


def _step(quarter: Quarter, count: int) -> Quarter:
    for _ in range(abs(count)):
        quarter = quarter.next() if count > 0 else quarter.previous()
    return quarter


def chosen_quarter(request: ListRequest) -> Quarter | None:
    """The quarter the request filters on; None for every quarter."""
    key = request.filters["quarter"]
    return None if key == EVERY_QUARTER else parse_quarter(key, Quarter(1900, 1))


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


def stage_counts(session: Session, quarter: Quarter | None) -> dict[RenewalStage, int]:
    """How many certificates each stage has in `quarter` (one statement)."""
    counts = [
        _base(each, func.count()).where(*_stage_filter(each, quarter)).scalar_subquery()
        for each in RenewalStage
    ]
    row = session.execute(select(*counts)).one()
    return dict(zip(RenewalStage, (int(n) for n in row), strict=True))


def renewals_query(request: ListRequest) -> ListQuery[RenewalRow]:
    stage = RenewalStage(request.filters["stage"])
    where = _stage_filter(stage, chosen_quarter(request))
    if request.search:
        where.append(
            or_(
                User.name.icontains(request.search, autoescape=True),
                User.email.icontains(request.search, autoescape=True),
                Certificate.number.icontains(request.search, autoescape=True),
            )
        )
    listed = (
        _base(stage, Certificate)
        .add_columns(RenewalApplication)
        .join(User, User.id == Certificate.user_id)
        .where(*where)
        .options(joinedload(Certificate.user), joinedload(Certificate.framework))
    )
    expires = (
        RenewalApplication.cycle_expires_on
        if stage is RenewalStage.RENEWED
        else Certificate.expires_on
    )

    def to_rows(rows: Sequence[AnyRow]) -> list[RenewalRow]:
        return [RenewalRow(certificate, renewal) for certificate, renewal in rows]

    return ListQuery(
        listed,
        {"expires": expires, "holder": User.name, "number": Certificate.number},
        Certificate.id,
        to_rows,
    )


def list_renewals(session: Session, request: ListRequest) -> ListPage[RenewalRow]:
    return fetch_page(session, renewals_query(request), request)


def count_waiting_for_the_office(session: Session) -> int:
    """Renewal applications the office has to act on (submitted; not those waiting for the
    holder's proof), whatever the quarter: the administration index shows the number."""
    return session.scalar(
        select(func.count())
        .select_from(RenewalApplication)
        .where(RenewalApplication.status == RenewalStatus.SUBMITTED)
    ) or 0
