"""The words of appeal emails; each leaves through the outbox after the commit, once per step
(its key names the appeal and the step)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import Appeal, Role, User, UserRole
from portfolio.services.links import page_url
from portfolio.services.outbox import queue


def to_candidate(session: Session, appeal: Appeal, step: str, subject: str, text: str) -> None:
    """Tell the candidate about `step`, with a link to their appeal's page."""
    candidate = appeal.candidate
    url = page_url(f"/me/appeals/{appeal.id}")
    where = f"Follow your appeal here: {url}" if url else "Sign in to Portfolio and open Appeals."
    queue(
        session,
        to=candidate.email,
        subject=subject,
        body=f"Hello {candidate.name},\n\n{text}\n\n{where}",
        key=f"appeal.{appeal.id}.{step}:candidate",
    )


def to_role(
    session: Session, appeal: Appeal, step: str, role: Role, subject: str, text: str
) -> None:
    """Tell everyone holding `role` (the office, or the committee) about `step`."""
    path = (
        f"/admin/appeals/{appeal.id}"
        if role is Role.ADMINISTRATOR
        else (f"/committee/appeals/{appeal.id}")
    )
    url = page_url(path)
    where = f"Open it here: {url}" if url else "Sign in to Portfolio to open it."
    for person in _holders(session, role):
        queue(
            session,
            to=person.email,
            subject=subject,
            body=f"Hello {person.name},\n\n{text}\n\n{where}",
            key=f"appeal.{appeal.id}.{step}:{person.id}",
        )


def _holders(session: Session, role: Role) -> Iterable[User]:
    return session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role)
    ).all()
