"""Security headers Flask does not set by itself."""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self' https: http:",  # uploads go straight to the object store
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
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
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
