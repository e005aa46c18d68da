"""Personal access tokens: made and revoked by their owner (audited), and checked on every API
request. The token is shown once; only its SHA-256 is stored (domain.accounts.api_tokens)."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portfolio.domain.accounts.api_tokens import (
    SHOWN_PREFIX_LENGTH,
    TOKEN_PREFIX,
    Scope,
    check_new_token,
    fingerprint,
    last_use_is_stale,
    looks_like_token,
    usable_scopes,
)
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import NotFound, Unauthorized
from portfolio.models import ApiToken, User
from portfolio.services import audit

NOT_VALID = "The access token is not valid: it is unknown, expired or revoked. Make a new one."


@dataclass(frozen=True, slots=True)
class MadeToken:
    token: ApiToken
    secret: str  # the token itself: shown to its owner once, never stored


@dataclass(frozen=True, slots=True)
class Caller:
    """Who an API request acts for, and what it may read or change."""

    user: User
    token: ApiToken
    scopes: frozenset[Scope]


def _roles(user: User) -> list[str]:
    return [str(role) for role in user.role_names]


def live_count(session: Session, owner: User, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(
                ApiToken.user_id == owner.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
        )
        or 0
    )


def create_token(
    session: Session,
    owner: User,
    *,
    name: str,
    scopes: Collection[str],
    lifetime_days: int,
    now: datetime,
) -> MadeToken:
    """A new token of `owner` (InvalidInput for a bad name, scope or lifetime)."""
    cleaned, chosen = check_new_token(
        name, scopes, lifetime_days, _roles(owner), live_count(session, owner, now)
    )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=owner.id,
        name=cleaned,
        token_hash=fingerprint(secret),
        shown_prefix=secret[:SHOWN_PREFIX_LENGTH],
        scopes=" ".join(scope.value for scope in chosen),
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=owner,
        action=AuditAction.API_TOKEN_CREATED,
        object_type="api_token",
        object_id=token.id,
        details={
            "name": cleaned,
            "scopes": token.scope_list,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return MadeToken(token, secret)


def owned_tokens(session: Session, owner: User) -> list[ApiToken]:
    """Every token of `owner`, newest first (revoked and expired ones too, marked so)."""
    query = select(ApiToken).where(ApiToken.user_id == owner.id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def revoke_token(session: Session, owner: User, token_id: int, now: datetime) -> ApiToken:
    """Revoke one of `owner`'s tokens (NotFound for anyone else's); revoking twice is harmless."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != owner.id:
        raise NotFound("We could not find that token.")
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
        audit.record(
            session,
            actor=owner,
            action=AuditAction.API_TOKEN_REVOKED,
            object_type="api_token",
            object_id=token.id,
            details={"name": token.name},
        )
    return token


def authenticate(session: Session, presented: str, now: datetime) -> Caller:
    """The caller a bearer token stands for; Unauthorized (401) when it is malformed, unknown,
    expired or revoked, all with the same message."""
    if not looks_like_token(presented):
        raise Unauthorized(NOT_VALID)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == fingerprint(presented)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized(NOT_VALID)
    user = session.get(User, token.user_id)
    if user is None:
        raise Unauthorized(NOT_VALID)
    scopes = frozenset(usable_scopes(token.scope_list, _roles(user)))
    return Caller(user, token, scopes)


def note_use(session: Session, token_id: int, last_used_at: datetime | None, now: datetime) -> bool:
    """Record that a token was used, at most once per LAST_USED_PRECISION (in the caller's
    session, which the caller commits apart from the request). True when it wrote."""
    if not last_use_is_stale(last_used_at, now):
        return False
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return True
