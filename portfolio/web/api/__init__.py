"""The JSON API under /api/v1: read-only, personal access tokens, cursor pages, problem details.

Every view loads through the same services and access checks as the pages (web.access, the
services' ownership rules); the token's owner is the current user while a request runs.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from portfolio.extensions import limiter
from portfolio.web.api import auth

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _api_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


bp.before_request(auth.authenticate_request)
limiter.limit(_api_limit, key_func=auth.rate_limit_key, scope="api")(bp)

# The view modules add their routes to `bp` when imported.
from portfolio.web.api import (  # noqa: E402, F401
    certification,
    documents,
    own,
    programs,
    reports,
    reviews,
)
