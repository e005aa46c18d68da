"""What a list page was asked for: a search text, filters and a sort taken from allowed sets,
and one page of a bounded size.

Every administrator's list reads its query string through `read_list_request`, so a sort key
or filter value that is not offered, or a page size of 0, -1 or 10^9, is refused the same way
everywhere with a message that says what is allowed (400), and no list can be asked for more
rows than MAX_PER_PAGE at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from portfolio.domain.errors import BadRequest

MAX_SEARCH_LENGTH = 200
# The value of "Any" for a filter with a default: an empty value means "not given", which
# would bring the default back.
ANY = "any"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 100_000  # far past any real list; keeps OFFSET arithmetic small
ORDERS = ("asc", "desc")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class ListFilter:
    """One filter a list offers: its query-string name, its label, and the values allowed."""

    name: str
    label: str
    choices: tuple[Choice, ...]
    # A filter that always has a value (the spec's default when none is asked for): its
    # form offers no "Any", since a list such as renewals has no meaning across all of them.
    required: bool = False

    def allows(self, value: str) -> bool:
        return any(choice.value == value for choice in self.choices)


@dataclass(frozen=True, slots=True)
class ListSpec:
    """What one list offers. The first sort is the default, in `default_order`."""

    sorts: tuple[Choice, ...]
    filters: tuple[ListFilter, ...] = ()
    default_order: str = "desc"
    search_label: str = "Search"
    default_filters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ListRequest:
    search: str
    filters: Mapping[str, str]  # only the filters given (or defaulted), name -> value
    sort: str
    order: str
    page: int
    per_page: int
    # Filters with a default that were asked for as "Any" (ANY): kept in links, so the next
    # page or the download does not fall back to the default.
    widened: tuple[str, ...] = ()

    @property
    def descending(self) -> bool:
        return self.order == "desc"

    def query_args(self, **changes: object) -> dict[str, object]:
        """The query string that asks for this list again, with `changes` (for links)."""
        args: dict[str, object] = {
            "q": self.search or None,
            **dict(self.filters),
            **dict.fromkeys(self.widened, ANY),
            "sort": self.sort,
            "order": self.order,
            "per_page": self.per_page if self.per_page != DEFAULT_PER_PAGE else None,
            "page": self.page if self.page > 1 else None,
        }
        args.update(changes)
        return {key: value for key, value in args.items() if value not in (None, "")}

    def on_page(self, page: int) -> ListRequest:
        return replace(self, page=page)


@dataclass(frozen=True, slots=True)
class ListPage(Generic[T]):
    rows: list[T]
    total: int
    request: ListRequest

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        """The position of the first row shown (1-based), 0 when there are none."""
        return (self.page - 1) * self.request.per_page + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.rows) - 1 if self.rows else 0


def last_page(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def read_list_request(args: Mapping[str, str], spec: ListSpec) -> ListRequest:
    """The list request in `args` (a query string), checked against `spec`.

    BadRequest names the parameter and what is allowed. Unknown parameters are ignored, as
    a browser's extra ones should be; an empty value means "not given".
    """
    search = (args.get("q") or "").strip()
    if len(search) > MAX_SEARCH_LENGTH:
        raise BadRequest(f"Search for at most {MAX_SEARCH_LENGTH} characters.")
    filters: dict[str, str] = {}
    widened: list[str] = []
    for option in spec.filters:
        value = args.get(option.name) or spec.default_filters.get(option.name, "")
        if value == ANY and not option.required:
            widened.append(option.name)
            continue
        if not value:
            continue
        if not option.allows(value):
            raise BadRequest(
                f"“{value[:40]}” is not one of the choices for {option.label}: "
                f"{_labels(option.choices)}."
            )
        filters[option.name] = value
    sort = args.get("sort") or spec.sorts[0].value
    if not any(choice.value == sort for choice in spec.sorts):
        raise BadRequest(
            f"This list cannot be sorted by “{sort[:40]}”. Sort by one of: {_labels(spec.sorts)}."
        )
    order = args.get("order") or spec.default_order
    if order not in ORDERS:
        raise BadRequest("Order must be asc (ascending) or desc (descending).")
    per_page = _bounded_number(
        args.get("per_page"), DEFAULT_PER_PAGE, MAX_PER_PAGE, "Rows per page"
    )
    page = _bounded_number(args.get("page"), 1, MAX_PAGE, "The page number")
    return ListRequest(search, filters, sort, order, page, per_page, tuple(widened))


def _bounded_number(text: str | None, default: int, largest: int, what: str) -> int:
    if not text:
        return default
    problem = f"{what} must be a whole number from 1 to {largest:,}."
    if not (text.isascii() and text.isdecimal()) or len(text) > 9:
        raise BadRequest(problem)
    number = int(text)
    if not 1 <= number <= largest:
        raise BadRequest(problem)
    return number


def _labels(choices: Sequence[Choice]) -> str:
    return ", ".join(f"{choice.label} ({choice.value})" for choice in choices)
