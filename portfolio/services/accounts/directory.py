"""Finding people: the administrators' list of everyone, searched by name or email, filtered
by role, sorted, paged and exported like every admin list (services/listing.py). Roles come
in one extra query for the whole page, whatever its size."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.models import Role, User, UserRole
from portfolio.services.listing import ListQuery, fetch_page

PEOPLE_LIST = ListSpec(
    sorts=(Choice("email", "Email"), Choice("name", "Name"), Choice("joined", "Date joined")),
    filters=(
        ListFilter("role", "Role", tuple(Choice(r.value, r.value.capitalize()) for r in Role)),
    ),
    default_order="asc",
    search_label="Search by name or email",
)


def people_query(request: ListRequest) -> ListQuery[User]:
    listed = select(User).options(selectinload(User.roles))
    if request.search:
        listed = listed.where(
            or_(
                User.email.icontains(request.search, autoescape=True),
                User.name.icontains(request.search, autoescape=True),
            )
        )
    if "role" in request.filters:
        holders = select(UserRole.user_id).where(UserRole.role == Role(request.filters["role"]))
        listed = listed.where(User.id.in_(holders))
    return ListQuery(
        listed,
        {"email": User.email, "name": User.name, "joined": User.created_at},
        User.id,
        lambda rows: [row[0] for row in rows],
    )


def list_people(session: Session, request: ListRequest) -> ListPage[User]:
    return fetch_page(session, people_query(request), request)
