"""One page of any list, or all of it as a stream for an export, from the same query.

A page takes two queries whatever the size of the list (a count and a bounded, sorted slice),
so a list page's query count does not grow with the data. An export reads the whole list in
the same order in batches, so memory stays flat however long it is. The sort columns come
from a mapping the service owns (never from the request), and a last column breaks ties so a
row never appears on two pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, last_page
from portfolio.models import CompetencySet

Sortable = ColumnElement[Any] | QueryableAttribute[Any]
AnyRow = Row[*tuple[Any, ...]]
T = TypeVar("T")
EXPORT_BATCH = 500


@dataclass(frozen=True)
class ListQuery(Generic[T]):
    """A list as the database sees it: the filtered query, how it may be sorted, and how a
    batch of result rows becomes the list's rows (one call per page or export batch)."""

    listed: Select[*tuple[Any, ...]]
    sort_columns: Mapping[str, Sortable]
    tiebreak: Sortable
    to_rows: Callable[[Sequence[AnyRow]], list[T]]
    # A list whose filter is costly (an aggregate over every row, say) counts its rows in the
    # page's own query, count(*) OVER (), so the filter is worked out once per page rather than
    # twice. Its query must give one row per list row (no eagerly joined collections).
    count_in_page: bool = False

    def ordered(self, request: ListRequest) -> Select[*tuple[Any, ...]]:
        column = self.sort_columns[request.sort]
        if request.descending:
            return self.listed.order_by(column.desc(), self.tiebreak.desc())
        return self.listed.order_by(column.asc(), self.tiebreak.asc())


def fetch_page(session: Session, query: ListQuery[T], request: ListRequest) -> ListPage[T]:
    """The requested page; one past the end shows the last page instead."""
    if query.count_in_page:
        counted = session.execute(
            query.ordered(request)
            .add_columns(func.count().over().label("list_total"))
            .limit(request.per_page)
            .offset((request.page - 1) * request.per_page)
        ).all()
        if counted or request.page == 1:
            total = int(counted[0][-1]) if counted else 0
            page_rows = cast(list[AnyRow], [row[:-1] for row in counted])  # less the total
            return ListPage(query.to_rows(page_rows), total, request)
        # Past the end, no row carries the total: count, then show the last page.
    total = int(
        session.scalar(select(func.count()).select_from(query.listed.order_by(None).subquery()))
        or 0
    )
    request = replace(request, page=min(request.page, last_page(total, request.per_page)))
    rows = session.execute(
        query.ordered(request).limit(request.per_page).offset((request.page - 1) * request.per_page)
    ).all()
    return ListPage(query.to_rows(rows), total, request)


def stream_rows(session: Session, query: ListQuery[T], request: ListRequest) -> Iterator[T]:
    """Every row of the list in the page order, read in batches (a server-side cursor on
    PostgreSQL), for an export of any length."""
    result = session.execute(query.ordered(request), execution_options={"yield_per": EXPORT_BATCH})
    for batch in result.partitions():
        yield from query.to_rows(batch)


def set_codes(session: Session) -> list[str]:
    """Every competency set code of every program, once each, for a list's set filter."""
    return list(session.scalars(select(CompetencySet.code).distinct().order_by(CompetencySet.code)))


def set_filter(codes: list[str]) -> ListFilter:
    return ListFilter("set", "Competency set", tuple(Choice(code, code) for code in codes))
