"""Who calls the API: a personal access token in `Authorization: Bearer`, or nobody.

Session cookies are ignored under /api/v1 (a page's cookie never authorises a script), so the
API needs no CSRF protection. The token's owner becomes Flask-Login's current user for the
request, so the same access checks as the pages (web.access, the services' ownership rules)
apply unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from portfolio.domain.accounts.api_tokens import Scope, fingerprint
from portfolio.domain.errors import Forbidden, Unauthorized
from portfolio.extensions import db, login_manager
from portfolio.models import User
from portfolio.models.base import utcnow
from portfolio.services.accounts import api_tokens
from portfolio.services.accounts.api_tokens import Caller

View = TypeVar("View", bound=Callable[..., Any])
NEEDS_TOKEN = (
    "This needs a personal access token: send it as `Authorization: Bearer <token>`. "  # noqa: S105
    "Make one on your account's API access tokens page."
)


def bearer_token() -> str | None:
    """The token the request presents (None without an Authorization header); 401 for a
    header that is not a bearer token."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the token as `Authorization: Bearer <token>`.")
    return token.strip()


def rate_limit_key() -> str:
    """Per token (by its digest, never the token itself); per address without one."""
    header = request.headers.get("Authorization", "")
    _scheme, _, token = header.strip().partition(" ")
    if token.strip():
        return "api-token:" + fingerprint(token.strip())
    return "api-address:" + (request.remote_addr or "unknown")


# Pages for people, not scripts: they show the signed-in person as every page does.
HUMAN_PAGES = frozenset({"api.docs"})


def authenticate_request() -> None:
    """Set the caller (or nobody) before any API view runs; 401 for a token that does not work."""
    g.api_caller = None
    if request.endpoint in HUMAN_PAGES:
        return
    g._login_user = login_manager.anonymous_user()  # never the session's user
    presented = bearer_token()
    if presented is None:
        return
    now = utcnow()
    caller = api_tokens.authenticate(db.session, presented, now)
    g.api_caller = caller
    g._login_user = caller.user
    api_tokens.note_use(db.session, caller.token.id, caller.token.last_used_at, now)


def current_caller() -> Caller | None:
    caller: Caller | None = g.get("api_caller")
    return caller


def token_owner() -> User:
    """The person whose token called a view that `requires` a scope (so there is one)."""
    caller = current_caller()
    assert caller is not None  # `requires` checked
    return caller.user


def requires(scope: Scope) -> Callable[[View], View]:
    """The view needs a token (401) that holds `scope` (403)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            caller = current_caller()
            if caller is None:
                raise Unauthorized(NEEDS_TOKEN)
            if scope not in caller.scopes:
                raise Forbidden(
                    f"This token may not {scope.value}. Make a token with that scope "
                    "(your roles must allow it)."
                )
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
