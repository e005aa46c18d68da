"""The public catalogue's filters, read from a query string: what a person may ask for, and a
plain message for anything else (the page then ignores that filter)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

FORMATS = {"online": "Online", "in_person": "In person", "hybrid": "Hybrid"}
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
MAX_PAGE = 10_000
MAX_TEXT = 100


@dataclass(frozen=True)
class CatalogueFilters:
    text: str = ""
    set_code: str = ""
    provider: str = ""  # a provider's slug
    format: str = ""
    synchronous: bool | None = None
    approved_from: date | None = None  # approved on or after
    approved_to: date | None = None  # approved on or before
    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE


def read_filters(args: Mapping[str, str]) -> tuple[CatalogueFilters, list[str]]:
    """The filters asked for, and a message for each value that was ignored."""
    problems: list[str] = []
    text = args.get("q", "").strip()[:MAX_TEXT]
    set_code = args.get("set", "").strip().upper()
    if set_code and not (set_code.isascii() and set_code.replace("-", "").isalnum()):
        problems.append("The set filter was ignored: choose a set from the list.")
        set_code = ""
    provider = args.get("provider", "").strip().lower()
    if provider and not (
        provider.isascii() and provider.replace("-", "").isalnum() and len(provider) <= 80
    ):
        problems.append("The provider filter was ignored: choose a provider from the list.")
        provider = ""
    fmt = args.get("format", "").strip()
    if fmt and fmt not in FORMATS:
        problems.append("The format filter was ignored: choose online, in person or hybrid.")
        fmt = ""
    sync_raw = args.get("synchronous", "").strip()
    synchronous = {"yes": True, "no": False, "": None}.get(sync_raw)
    if sync_raw and synchronous is None:
        problems.append("The synchronous filter was ignored: choose yes or no.")
    approved_from = _day(args.get("approved_from", ""), "approved from", problems)
    approved_to = _day(args.get("approved_to", ""), "approved to", problems)
    if approved_from and approved_to and approved_from > approved_to:
        problems.append("The approval dates were ignored: the first is after the second.")
        approved_from = approved_to = None
    page = _number(args.get("page", ""), 1, MAX_PAGE, "page", problems) or 1
    per_page = (
        _number(args.get("per_page", ""), 1, MAX_PAGE_SIZE, "page size", problems)
        or DEFAULT_PAGE_SIZE
    )
    return (
        CatalogueFilters(
            text, set_code, provider, fmt, synchronous, approved_from, approved_to, page, per_page
        ),
        problems,
    )


def _day(raw: str, what: str, problems: list[str]) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"The {what} date was ignored: write it as YYYY-MM-DD.")
        return None


def _number(raw: str, low: int, high: int, what: str, problems: list[str]) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdecimal() and len(raw) <= 6 and low <= int(raw) <= high:
        return int(raw)
    problems.append(f"The {what} was ignored: use a whole number from {low} to {high:,}.")
    return None
