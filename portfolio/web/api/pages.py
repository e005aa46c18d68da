"""The query string of every API list (page size, cursor, sort) and its answer's envelope."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app
from pydantic import BaseModel, ConfigDict, Field

from portfolio.domain.listing import MAX_PER_PAGE
from portfolio.extensions import db
from portfolio.services.cursor_pages import CursorPage, PageAsk, fetch_cursor_page
from portfolio.services.listing import ListQuery

T = TypeVar("T")
DEFAULT_LIMIT = 25


class PageQuery(BaseModel):
    """A page of a list. Parameters a list does not offer are refused (400)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, le=MAX_PER_PAGE, description="Rows per page (1 to 100)."
    )
    cursor: str | None = Field(
        default=None,
        max_length=1000,
        description="The `next_cursor` of the page before; leave out for the first page.",
    )


NEXT_CURSOR = Field(description="Pass as `cursor` for the next page; null after the last.")


def fetch(
    list_name: str, query: ListQuery[Any], asked: Any, filters: dict[str, str]
) -> CursorPage[Any]:
    ask = PageAsk(
        list_name=list_name,
        sort=str(getattr(asked, "sort", None) or "id"),
        filters={key: value for key, value in filters.items() if value},
        limit=asked.limit,
        cursor=asked.cursor,
    )
    return fetch_cursor_page(db.session, query, ask, current_app.config["SECRET_KEY"])
