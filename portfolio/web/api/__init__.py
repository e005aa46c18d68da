"""The JSON API under /api/v1: reads, edits of a portfolio's narratives and learning statement,
personal access tokens, cursor pages, problem details.

Every view loads through the same services and access checks as the pages (web.access, the
services' ownership rules); the token's owner is the current user while a request runs.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_limiter.util import get_remote_address

from portfolio.extensions import csrf, limiter
from portfolio.web.api import auth

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _api_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


def _address_limit() -> str:
    return str(current_app.config["API_ADDRESS_LIMIT"])


bp.before_request(auth.authenticate_request)
# No CSRF token: a write is authorised by its bearer token alone, and a browser never sends one
# by itself (session cookies are ignored here, see auth), so a forged request carries nothing.
csrf.exempt(bp)
limiter.limit(_api_limit, key_func=auth.rate_limit_key, scope="api")(bp)
# The per-token count is keyed before the token is looked up, so made-up tokens would each
# get a fresh count: every address also has a wider one of its own.
limiter.limit(_address_limit, key_func=get_remote_address, scope="api-address")(bp)

# The view modules add their routes to `bp` when imported.
from portfolio.web.api import (  # noqa: E402, F401
    certification,
    documents,
    entries,
    own,
    portfolios,
    programs,
    reports,
    reviews,
)
