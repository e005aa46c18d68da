"""Course providers: an organisation registers (its registering person acts for it), or the
office creates one and adds the people who act for it. Every change is audited; flushes only."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.courses.approval import clean_text
from portfolio.domain.courses.providers import check_website, provider_slug
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.models import Provider, ProviderKind, ProviderMember, Role, User
from portfolio.services import audit
from portfolio.services.accounts.roles import grant_role
from portfolio.services.listing import ListQuery, fetch_page

MAX_NAME = 200
MAX_DESCRIPTION = 4_000
KIND_LABELS = {
    ProviderKind.LIBRARY_SCHOOL: "Library school or library-education program",
    ProviderKind.COMMUNITY_COLLEGE: "Community college",
    ProviderKind.STATE_LIBRARY: "State library",
    ProviderKind.STATE_ASSOCIATION: "State library association",
    ProviderKind.REGIONAL_COOPERATIVE: "Regional library cooperative",
    ProviderKind.ASSOCIATION_DIVISION: "Association division or unit",
    ProviderKind.INDIVIDUAL_CONSULTANT: "Individual consultant",
}


def _details(
    name: object, kind: object, website: object, description: object
) -> tuple[str, ProviderKind, str, str]:
    problems: dict[str, str] = {}
    clean_name = clean_description = ""
    try:
        clean_name = clean_text(
            name, field="name", label="the organisation's name", limit=MAX_NAME, required=True
        )
    except InvalidInput as exc:
        problems["name"] = exc.message
    try:
        chosen = ProviderKind(kind) if isinstance(kind, str) else None
    except ValueError:
        chosen = None
    if chosen is None:
        problems["kind"] = "Choose what kind of organisation it is."
    address = ""
    try:
        address = check_website(website)
    except InvalidInput as exc:
        problems["website"] = exc.message
    try:
        clean_description = clean_text(
            description,
            field="description",
            label="the description",
            limit=MAX_DESCRIPTION,
            required=False,
        )
    except InvalidInput as exc:
        problems["description"] = exc.message
    if problems:
        raise InvalidInput.listing(problems)
    assert chosen is not None
    return clean_name, chosen, address, clean_description


def create_provider(
    session: Session,
    *,
    actor: User,
    name: object,
    kind: object,
    website: object = "",
    description: object = "",
    first_member: User | None = None,
) -> Provider:
    """A new provider (audited), with `first_member` acting for it if given.

    InvalidInput listing every bad field; Conflict when a provider of that name exists."""
    clean_name, chosen, address, text = _details(name, kind, website, description)
    same = session.scalar(
        select(Provider.id).where(func.lower(Provider.name) == clean_name.lower())
    )
    if same is not None:
        raise Conflict(
            f"A provider named {clean_name} is already registered. Ask the program office to "
            "add you to it.",
            field="name",
        )
    taken = session.scalars(
        select(Provider.slug).where(Provider.slug.like(f"{provider_slug(clean_name)}%"))
    ).all()
    provider = Provider(
        name=clean_name,
        kind=chosen,
        website=address,
        description=text,
        slug=provider_slug(clean_name, taken),
        created_by_id=actor.id,
    )
    session.add(provider)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.PROVIDER_REGISTERED,
        object_type="provider",
        object_id=provider.id,
        details={"name": provider.name, "kind": provider.kind.value, "slug": provider.slug},
    )
    if first_member is not None:
        add_member(session, provider, first_member, actor=actor)
    return provider


def register_provider(
    session: Session,
    user: User,
    *,
    name: object,
    kind: object,
    website: object = "",
    description: object = "",
) -> Provider:
    """An organisation registers itself: the person registering acts for it (provider role)."""
    return create_provider(
        session,
        actor=user,
        name=name,
        kind=kind,
        website=website,
        description=description,
        first_member=user,
    )


def add_member(session: Session, provider: Provider, user: User, *, actor: User) -> ProviderMember:
    """Let `user` act for `provider` (they get the provider role). Conflict if they already do."""
    if is_member(session, provider, user):
        raise Conflict(f"{user.name} already acts for {provider.name}.")
    member = ProviderMember(provider=provider, user_id=user.id, added_by_id=actor.id)
    session.add(member)
    session.flush()
    grant_role(session, actor=actor, user=user, role=Role.PROVIDER)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.PROVIDER_MEMBER_ADDED,
        object_type="provider",
        object_id=provider.id,
        details={"user_id": user.id},
    )
    return member


def add_member_by_email(
    session: Session, provider: Provider, email: object, *, actor: User
) -> ProviderMember:
    """As add_member, for the account with this email; InvalidInput when there is none."""
    address = email.strip().lower() if isinstance(email, str) else ""
    if not address or len(address) > 254:
        raise InvalidInput("Enter the email address of the person's account.", field="email")
    user = session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None:
        raise InvalidInput(
            "Nobody has an account with that email address. Ask them to create one first.",
            field="email",
        )
    return add_member(session, provider, user, actor=actor)


def is_member(session: Session, provider: Provider, user: User) -> bool:
    return (
        session.scalar(
            select(ProviderMember.id).where(
                ProviderMember.provider_id == provider.id, ProviderMember.user_id == user.id
            )
        )
        is not None
    )


def providers_of(session: Session, user: User) -> list[Provider]:
    """The providers `user` acts for, by name (none once their provider role is revoked)."""
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


def own_provider_by_slug(session: Session, user: User, slug: str) -> Provider:
    """The provider with `slug` if `user` acts for it; NotFound (never a hint) otherwise."""
    for provider in providers_of(session, user):
        if provider.slug == slug:
            return provider
    raise NotFound("We could not find that provider among yours.")


def own_provider(session: Session, user: User, provider_id: int) -> Provider:
    """The provider if `user` acts for it; NotFound otherwise (another's looks missing)."""
    provider = session.get(Provider, provider_id)
    if provider is None or not is_member(session, provider, user):
        raise NotFound("We could not find that provider.")
    return provider


PROVIDER_LIST = ListSpec(
    sorts=(Choice("name", "Name"), Choice("created", "Date created")),
    filters=(
        ListFilter(
            "kind", "Kind", tuple(Choice(k.value, label) for k, label in KIND_LABELS.items())
        ),
    ),
    default_order="asc",
    search_label="Search by provider, or the name or email of a person acting for one",
)


def providers_query(request: ListRequest) -> ListQuery[Provider]:
    """Providers by name, each with the people acting for it (loaded in two more queries)."""
    listed = select(Provider).options(
        selectinload(Provider.members).selectinload(ProviderMember.user)
    )
    if request.search:
        members = (
            select(ProviderMember.provider_id)
            .join(User, User.id == ProviderMember.user_id)
            .where(
                or_(
                    User.name.icontains(request.search, autoescape=True),
                    User.email.icontains(request.search, autoescape=True),
                )
            )
        )
        listed = listed.where(
            or_(
                Provider.name.icontains(request.search, autoescape=True),
                Provider.id.in_(members),
            )
        )
    if "kind" in request.filters:
        listed = listed.where(Provider.kind == ProviderKind(request.filters["kind"]))
    return ListQuery(
        listed,
        {"name": Provider.name, "created": Provider.created_at},
        Provider.id,
        lambda rows: [row[0] for row in rows],
    )


def list_providers(session: Session, request: ListRequest) -> ListPage[Provider]:
    return fetch_page(session, providers_query(request), request)


def provider_by_slug(session: Session, slug: str) -> Provider:
    provider = session.scalar(select(Provider).where(Provider.slug == slug))
    if provider is None:
        raise NotFound("We could not find that provider.")
    return provider
