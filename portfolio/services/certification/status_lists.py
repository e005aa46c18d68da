"""The signed revocation status list (domain.certification.status_list): allocating each
certificate's bit once, and signing the list again whenever a certificate is revoked or
reinstated. Everything here flushes; the request commits.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.domain.certification.status_list import (
    LIST_LENGTH,
    pick_index,
    status_list_credential,
)
from portfolio.domain.dates import utc_instant
from portfolio.domain.errors import Conflict
from portfolio.models import Certificate, StatusListCredential
from portfolio.services.certification.issuer import STATUS_LIST, Issuer
from portfolio.services.certification.signing import sign

_rng = random.SystemRandom()
_RANDOM_TRIES = 16


def allocate_index(session: Session, certificate: Certificate) -> int:
    """The certificate's status list index, chosen now at random among the free ones if it has
    none (a random index says nothing about when a certificate was issued).

    One query per try while the list is mostly free; the unique column settles a race: the
    loser's savepoint rolls back and it tries again. Conflict when no index could be claimed.
    """
    if certificate.status_index is not None:
        return certificate.status_index
    for _ in range(_RANDOM_TRIES):
        index = _rng.randrange(LIST_LENGTH)
        taken = session.scalar(select(Certificate.id).where(Certificate.status_index == index))
        if taken is None and _claim(session, certificate, index):
            return index
    # Nearly full: choose among the free indices.
    used = {i for i in session.scalars(select(Certificate.status_index)) if i is not None}
    index = pick_index(used, _rng)
    if _claim(session, certificate, index):
        return index
    raise Conflict("Another certificate took the same status list bit; try again.")


def allocate_indices(session: Session, certificates: Sequence[Certificate]) -> None:
    """allocate_index for many certificates at once (the batch evaluation): the used indices
    are read once, a random free one is chosen for each, and all are claimed in one flush.
    A certificate issued at the same moment elsewhere may take one of them first: the unique
    column refuses the flush, and the choice is made again from the indices as they are then.
    """
    waiting = [c for c in certificates if c.status_index is None]
    for _ in range(_RANDOM_TRIES):
        if not waiting:
            return
        used = {i for i in session.scalars(select(Certificate.status_index)) if i is not None}
        for certificate in waiting:
            index = pick_index(used, _rng)
            used.add(index)
            certificate.status_index = index
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            for certificate in waiting:
                session.expire(certificate, ["status_index"])
            continue
        return
    raise Conflict("Other certificates took the same status list bits; try again.")


def _claim(session: Session, certificate: Certificate, index: int) -> bool:
    try:
        with session.begin_nested():
            certificate.status_index = index
            session.flush()
    except IntegrityError:
        session.expire(certificate, ["status_index"])
        return False
    return True


def revoked_indices(session: Session) -> list[int]:
    """The bits set: revoked certificates, and those whose renewal grace period ended unrenewed
    (lapsed), so a verifier holding an old copy learns they no longer stand."""
    return [
        index
        for index in session.scalars(
            select(Certificate.status_index).where(
                Certificate.status_index.is_not(None),
                or_(Certificate.revoked_at.is_not(None), Certificate.lapsed_on.is_not(None)),
            )
        )
        if index is not None
    ]


def signed_status_list(session: Session, issuer: Issuer, now: datetime) -> dict[str, object]:
    """The status list as it stands, freshly signed (nothing stored)."""
    document = status_list_credential(
        list_url=issuer.status_list_url(STATUS_LIST),
        issuer_id=issuer.id,
        valid_from=_instant(now),
        revoked=revoked_indices(session),
    )
    return sign(document, issuer.signing_key, _instant(now))


def refresh_status_list(session: Session, issuer: Issuer, now: datetime) -> StatusListCredential:
    """Sign the list again from the certificates as they stand and store it.

    The stored row is locked first, so two revocations at once each sign a list that holds
    the other's bit (the second waits, then reads the first's committed change).
    """
    row = session.scalar(
        select(StatusListCredential).where(StatusListCredential.id == STATUS_LIST).with_for_update()
    )
    if row is None:
        row = _first_row(session, now)
    row.document = json.dumps(signed_status_list(session, issuer, now), ensure_ascii=False)
    row.updated_at = now
    session.flush()
    return row


def _first_row(session: Session, now: datetime) -> StatusListCredential:
    """The list's row, made now; when another transaction made it at the same moment, theirs,
    locked (the savepoint keeps the rest of this transaction)."""
    try:
        with session.begin_nested():
            row = StatusListCredential(id=STATUS_LIST, document="{}", updated_at=now)
            session.add(row)
            session.flush()
        return row
    except IntegrityError:
        locked = session.scalar(
            select(StatusListCredential)
            .where(StatusListCredential.id == STATUS_LIST)
            .with_for_update()
        )
        assert locked is not None  # the row whose key collided
        return locked


def stored_status_list(session: Session, number: int) -> StatusListCredential | None:
    return session.get(StatusListCredential, number)


def _instant(now: datetime) -> str:
    return utc_instant(now)
