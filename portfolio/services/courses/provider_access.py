"""Who acts for which provider: a person with the provider role who is a member of it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.errors import NotFound
from portfolio.models import Provider, ProviderMember, Role, User


def providers_of(session: Session, user: User) -> list[Provider]:
    """The providers `user` acts for (none without the provider role)."""
    if not user.has_role(Role.PROVIDER):
        return []
    return list(
        session.scalars(
            select(Provider)
            .join(ProviderMember, ProviderMember.provider_id == Provider.id)
            .where(ProviderMember.user_id == user.id)
            .order_by(Provider.name, Provider.id)
        )
    )


def own_provider(session: Session, user: User, slug: str) -> Provider:
    """The provider with `slug` if `user` acts for it; NotFound (never a hint) otherwise."""
    for provider in providers_of(session, user):
        if provider.slug == slug:
            return provider
    raise NotFound("We could not find that provider among yours.")
