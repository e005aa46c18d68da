"""Finding people: the administrators' searchable, paginated list."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from portfolio.models import User


@dataclass(frozen=True)
class PeoplePage:
    people: list[User]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search_people(
    session: Session, query: str = "", *, page: int = 1, per_page: int = 25
) -> PeoplePage:
    """People whose name or email contains `query` (any case), by email, one page at a time.

    Roles come in one extra query for the whole page, whatever its size.
    """
    condition = None
    query = query.strip()
    if query:
        condition = or_(
            User.email.icontains(query, autoescape=True),
            User.name.icontains(query, autoescape=True),
        )
    counted = select(func.count(User.id))
    listed = select(User).options(selectinload(User.roles)).order_by(User.email)
    if condition is not None:
        counted = counted.where(condition)
        listed = listed.where(condition)
    total = session.scalar(counted) or 0
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    people = list(session.scalars(listed.limit(per_page).offset((page - 1) * per_page)))
    return PeoplePage(people=people, total=total, page=page, per_page=per_page)
