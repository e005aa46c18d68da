"""Reading numbers a client sent, without letting odd input become a 500."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from portfolio.domain.ids import MAX_ROW_ID


def is_small_int(text: str | None) -> bool:
    """True for plain ASCII digits that fit a database id ("²" and "٣" pass str.isdigit)."""
    return bool(text) and text.isascii() and text.isdecimal() and len(text) <= 9  # type: ignore[union-attr]


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: an id too large for the database is simply not found."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)
