"""Absolute links to the app's own pages, for emails and jobs (which may run outside a request).

The base is PUBLIC_BASE_URL; inside a request without one (development), the address the
request came to. Outside both, there is no address to give, and None says so.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request


def page_url(path: str) -> str | None:
    """The absolute URL of `path` ("/review/assignments/3"), or None without a known base."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base and has_request_context():
        base = request.host_url.rstrip("/")
    return f"{base}{path}" if base else None
