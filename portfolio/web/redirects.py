"""Where a form may send someone afterwards: only to a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_login import current_user

from portfolio.extensions import db
from portfolio.services.reviewing.queues import has_open_reviews
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
    """Where a person goes after signing in: the work waiting for them (a reviewer with reviews
    to do lands on their queue, whatever other roles they hold), else their first area (by
    role), else the start page."""
    items = nav_items()
    queue = url_for("reviewer.queue") if "reviewer.queue" in current_app.view_functions else None
    # Only when the queue is not the first area already: that costs the query nothing else needs.
    elsewhere = queue is not None and any(item.url == queue for item in items[1:])
    if elsewhere and has_open_reviews(db.session, current_user._get_current_object()):
        return queue  # type: ignore[return-value]
    return items[0].url if items else url_for("public.home")
