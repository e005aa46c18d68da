"""Where a form may send someone afterwards: only to a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for

from portfolio.web.navigation import nav_items


def safe_next(target: str | None) -> str | None:
    """`target` when it is a local path ("/admin/?page=2"); None for anything that could leave
    the site: absolute or protocol-relative URLs, backslashes (browsers read "/\\x" as "//x"),
    control characters (browsers drop tabs and newlines, turning "/\\t/x" into "//x")."""
    if not target or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def landing_page() -> str:
    """Where a person goes after signing in: their first area (by role), else the start page."""
    items = nav_items()
    return items[0].url if items else url_for("public.home")
