"""Deleting stored objects only after the commit that stops naming them.

A row that names an object must never outlive the object, and a request may fail at any
point before its commit: so services ask for a deletion here, and it happens only once the
session has committed. A deletion that fails then (the store is down) leaves an object that
no row names; `storage reconcile` finds and removes it later, so nothing is lost either way.
A rolled-back session forgets its deletions: the rows it did not change still name them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portfolio.storage import ObjectNotFound, ObjectStore, StorageUnavailable

log = logging.getLogger(__name__)

PENDING = "objects_to_delete_after_commit"
# Objects written during a transaction for rows it adds: kept if it commits, else deleted.
WRITTEN = "objects_to_delete_after_rollback"


@dataclass(frozen=True)
class Deletion:
    store: ObjectStore
    key: str
    multipart_upload_id: str | None = None


def delete_after_commit(
    session: Session, store: ObjectStore, key: str, *, multipart_upload_id: str | None = None
) -> None:
    """Delete `key` (and abort its unfinished multipart upload) once `session` commits."""
    session.info.setdefault(PENDING, []).append(Deletion(store, key, multipart_upload_id))


def delete_unless_committed(session: Session, store: ObjectStore, key: str) -> None:
    """`key` was just written for rows of this transaction: if the transaction rolls back
    (a refused import, any error), the object goes after the rollback, since no row will
    name it; once it commits, the rows do. A deletion that fails then is left to reconcile."""
    session.info.setdefault(WRITTEN, []).append(Deletion(store, key))


def pending_deletions(session: Session) -> list[Deletion]:
    return list(session.info.get(PENDING, []))


def run(deletion: Deletion) -> bool:
    """Carry out one deletion; False (logged) when the store could not do it now."""
    try:
        if deletion.multipart_upload_id is not None:
            deletion.store.abort_multipart(deletion.key, deletion.multipart_upload_id)
        deletion.store.delete(deletion.key)
    except (StorageUnavailable, ObjectNotFound) as exc:
        log.warning("Could not delete %s after the commit (reconcile will): %s", deletion.key, exc)
        return False
    return True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(WRITTEN, None)
    for deletion in session.info.pop(PENDING, []):
        run(deletion)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None and not previous.nested:
        session.info.pop(PENDING, None)
        for deletion in session.info.pop(WRITTEN, []):
            run(deletion)
