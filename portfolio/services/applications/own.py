"""A person's own applications, as a list the JSON API pages through by cursor."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, selectinload

from portfolio.models import Application, ApplicationStatus, User
from portfolio.services.cursor_pages import objects_query
from portfolio.services.listing import ListQuery


def own_applications(
    session: Session, owner: User, status: ApplicationStatus | None = None
) -> ListQuery[Any]:
    where = [Application.user_id == owner.id]
    if status is not None:
        where.append(Application.status == status)
    return objects_query(
        session, Application, *where, options=(selectinload(Application.framework),)
    )
