"""Security headers Flask does not set by itself."""

from __future__ import annotations

from flask import Flask, Response

from portfolio.storage_binding import get_store


def content_security_policy(upload_origin: str | None) -> str:
    """The policy for every page. Scripts may connect only to the app itself and, when files
    go straight from the browser to an object store, to that store's origin: injected script
    cannot send data anywhere else."""
    connect = "connect-src 'self'" + (f" {upload_origin}" if upload_origin else "")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            connect,
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def set_headers(response: Response) -> Response:
        headers = response.headers
        if "Content-Security-Policy" not in headers:
            # Asked per response: the store is the app's, built once (tests may swap it).
            headers["Content-Security-Policy"] = content_security_policy(get_store().browser_origin)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if response.mimetype in ("text/html", "application/json"):
            # Pages and API answers carry private data; neither may sit in a shared cache.
            headers.setdefault("Cache-Control", "no-store")
        hsts = int(app.config.get("HSTS_MAX_AGE") or 0)
        if hsts > 0:
            headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
        return response
