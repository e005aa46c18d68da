"""Cursor pages of a list for the JSON API: a page starts after the last row of the one before,
found by its sort value and tiebreak (keyset pagination), never by an OFFSET.

A page is one query for the rows (plus what the list's `to_rows` loads for them), however far
into the list it is. The cursor is opaque and signed with the app's secret: it carries the
position and a fingerprint of the query it belongs to, so a cursor that was changed, or one
used with another sort, filter or list, is refused (400) instead of silently paging something
else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from portfolio.domain.errors import BadRequest
from portfolio.services.listing import ListQuery

T = TypeVar("T")
BAD_CURSOR = (
    "The cursor is not valid: it was changed, or it belongs to another list, sort or filter. "
    "Start again without a cursor, or use the next_cursor of the page before."
)
MAX_CURSOR_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class CursorPage(Generic[T]):
    rows: list[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class PageAsk:
    """One page of one list: the list's name, its sort (`-` first: descending), the filters
    given, the page size, and the cursor of the page before (or None for the first page)."""

    list_name: str
    sort: str
    filters: Mapping[str, str]
    limit: int
    cursor: str | None = None

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    def fingerprint(self) -> str:
        asked = json.dumps(
            [self.list_name, self.sort, sorted(self.filters.items())], separators=(",", ":")
        )
        return hashlib.sha256(asked.encode()).hexdigest()[:16]


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="portfolio.api-cursor")


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _typed(value: object, like: type) -> object:
    if value is None:
        return None
    if like is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if like is date and isinstance(value, str):
        return date.fromisoformat(value)
    if like in (int, str) and isinstance(value, like):
        return value
    raise ValueError("unexpected type")


def _position(secret_key: str, ask: PageAsk) -> list[Any] | None:
    if ask.cursor is None:
        return None
    if len(ask.cursor) > MAX_CURSOR_LENGTH:
        raise BadRequest(BAD_CURSOR)
    try:
        payload = _serializer(secret_key).loads(ask.cursor)
    except BadSignature:
        raise BadRequest(BAD_CURSOR) from None
    if (
        not isinstance(payload, dict)
        or payload.get("q") != ask.fingerprint()
        or not isinstance(payload.get("k"), list)
        or len(payload["k"]) != 2
    ):
        raise BadRequest(BAD_CURSOR)
    return list(payload["k"])


def fetch_cursor_page(
    session: Session, query: ListQuery[T], ask: PageAsk, secret_key: str
) -> CursorPage[T]:
    """The page of `query` that `ask` names, with the cursor of the next one (None at the end).

    The sort column must never be NULL (a NULL has no place in a keyset comparison); the list
    offers only such sorts to the API.
    """
    column = query.sort_columns[ask.sort_key]
    tiebreak = query.tiebreak
    position = _position(secret_key, ask)
    listed = query.listed.add_columns(column.label("_cursor_sort"), tiebreak.label("_cursor_tie"))
    if position is not None:
        try:
            value = _typed(position[0], column.type.python_type)
            tie = _typed(position[1], tiebreak.type.python_type)
        except (ValueError, TypeError, NotImplementedError):
            raise BadRequest(BAD_CURSOR) from None
        key = tuple_(column, tiebreak)
        listed = listed.where(
            key < tuple_(value, tie) if ask.descending else key > tuple_(value, tie)
        )
    if ask.descending:
        listed = listed.order_by(column.desc(), tiebreak.desc())
    else:
        listed = listed.order_by(column.asc(), tiebreak.asc())
    found = session.execute(listed.limit(ask.limit + 1)).all()
    more = len(found) > ask.limit
    found = found[: ask.limit]
    rows = query.to_rows([tuple(row)[:-2] for row in found])  # type: ignore[misc]
    next_cursor = None
    if more and found:
        last = tuple(found[-1])
        payload = {"q": ask.fingerprint(), "k": [_plain(last[-2]), _plain(last[-1])]}
        next_cursor = str(_serializer(secret_key).dumps(payload))
    return CursorPage(rows, next_cursor)


def objects_query(
    session: Session,
    model: Any,
    *where: Any,
    options: tuple[Any, ...] = (),
    sorts: Mapping[str, Any] | None = None,
) -> ListQuery[Any]:
    """A list of `model` objects matching `where` (sortable by id, and by `sorts`): each page
    is one query for the ids and one for the objects with `options` (selectinload)."""
    listed = select(model.id).where(*where)

    def to_rows(rows: Sequence[Any]) -> list[Any]:
        ids = [row[0] for row in rows]
        found = {
            obj.id: obj
            for obj in session.scalars(select(model).where(model.id.in_(ids)).options(*options))
        }
        return [found[i] for i in ids]

    return ListQuery(listed, {"id": model.id, **(sorts or {})}, model.id, to_rows)
