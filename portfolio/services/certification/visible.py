"""Certification decisions and certificates a person may read: their own, or everyone's for an
administrator, as lists the JSON API pages through by cursor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portfolio.models import Certificate, CertificationDecision, DecisionStatus, Enrollment, User
from portfolio.services.cursor_pages import objects_query
from portfolio.services.listing import ListQuery


def decisions(
    session: Session, reader: User, *, everyone: bool, status: DecisionStatus | None = None
) -> ListQuery[Any]:
    where: list[Any] = []
    if not everyone:
        own = select(Enrollment.id).where(Enrollment.user_id == reader.id)
        where.append(CertificationDecision.enrollment_id.in_(own))
    if status is not None:
        where.append(CertificationDecision.status == status)
    return objects_query(
        session,
        CertificationDecision,
        *where,
        options=(selectinload(CertificationDecision.enrollment),),
    )


def certificates(session: Session, reader: User, *, everyone: bool) -> ListQuery[Any]:
    where = [] if everyone else [Certificate.user_id == reader.id]
    return objects_query(
        session,
        Certificate,
        *where,
        options=(selectinload(Certificate.framework), selectinload(Certificate.user)),
        sorts={"issued_on": Certificate.issued_on},
    )


def find_certificate(
    session: Session, reader: User, certificate_id: int, *, everyone: bool
) -> Certificate | None:
    """The certificate if `reader` may read it, else None (another's looks missing)."""
    found = session.get(
        Certificate,
        certificate_id,
        options=(selectinload(Certificate.framework), selectinload(Certificate.user)),
    )
    if found is None or (not everyone and found.user_id != reader.id):
        return None
    return found
