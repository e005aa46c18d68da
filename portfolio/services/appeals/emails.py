"""Telling people about each step of an appeal: a notification in the app and an email (a kind
that is always sent: every step starts a deadline), once per step and person (the key names
the appeal and the step), in the caller's transaction; the email leaves after the commit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.notifications import Kind
from portfolio.models import Appeal, Role, User, UserRole
from portfolio.services.links import page_url
from portfolio.services.notifications import notify


def to_candidate(session: Session, appeal: Appeal, step: str, subject: str, text: str) -> None:
    """Tell the candidate about `step`, with a link to their appeal's page."""
    candidate = appeal.candidate
    path = f"/me/appeals/{appeal.id}"
    url = page_url(path)
    where = f"Follow your appeal here: {url}" if url else "Sign in to Portfolio and open Appeals."
    notify(
        session,
        user=candidate,
        kind=Kind.APPEAL,
        link=path,
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
        else f"/committee/appeals/{appeal.id}"
    )
    url = page_url(path)
    where = f"Open it here: {url}" if url else "Sign in to Portfolio to open it."
    for person in _holders(session, role):
        notify(
            session,
            user=person,
            kind=Kind.APPEAL,
            link=path,
            subject=subject,
            body=f"Hello {person.name},\n\n{text}\n\n{where}",
            key=f"appeal.{appeal.id}.{step}:{person.id}",
        )


def _holders(session: Session, role: Role) -> Iterable[User]:
    return session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role)
    ).all()
