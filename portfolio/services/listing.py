"""One page of any list: a count and a bounded, sorted slice of the same query.

Two queries whatever the size of the list, so a list page's query count does not grow with
the data. The sort columns come from a mapping the service owns (never from the request), and
a last column breaks ties so a row never appears on two pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from portfolio.domain.listing import ListRequest, last_page

Sortable = ColumnElement[Any] | QueryableAttribute[Any]


def fetch_page(
    session: Session,
    listed: Select[*tuple[Any, ...]],
    request: ListRequest,
    *,
    sort_columns: Mapping[str, Sortable],
    tiebreak: Sortable,
) -> tuple[list[Any], int, ListRequest]:
    """The rows of the requested page of `listed`, the total, and the request with its page
    moved onto the last page when it asked for one past the end."""
    total = int(
        session.scalar(select(func.count()).select_from(listed.order_by(None).subquery())) or 0
    )
    page = min(request.page, last_page(total, request.per_page))
    column = sort_columns[request.sort]
    ordering = column.desc() if request.descending else column.asc()
    tie = tiebreak.desc() if request.descending else tiebreak.asc()
    rows = session.execute(
        listed.order_by(ordering, tie).limit(request.per_page).offset((page - 1) * request.per_page)
    ).all()
    return list(rows), total, replace(request, page=page)
