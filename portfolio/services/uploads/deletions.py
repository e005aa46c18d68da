"""Deleting stored objects only after the commit that stops naming them.

A row that names an object must never outlive the object, and a request may fail at any
point before its commit: so services ask for a deletion here, and it happens only once the
whole transaction has committed (a savepoint released on the way is not that commit). A
rolled-back session forgets its deletions: the rows it did not change still name them.

With a task queue (TASK_BROKER_URL) a request hands its deletions to the DELETE_JOB, so it never
waits on the store after its commit; a job or a command deletes at once, and hands the job what
the store refused. The job is retried with backoff until the store takes them (deleting is
idempotent, and a key no committed row names is never named again: keys are never reused).
Without a broker the deletions run in the thread that committed, and what the store refuses is
left, as the last resort, to `storage reconcile` (nightly). Nothing is lost either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portfolio.services import outbox
from portfolio.storage import ObjectNotFound, ObjectStore, StorageUnavailable

log = logging.getLogger(__name__)

PENDING = "objects_to_delete_after_commit"
# Objects written during a transaction for rows it adds: kept if it commits, else deleted.
WRITTEN = "objects_to_delete_after_rollback"
DELETE_JOB = "portfolio.jobs.uploads.delete_objects"


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
        log.warning(
            "Could not delete %s after the commit (tried again later): %s", deletion.key, exc
        )
        return False
    return True


def run_all(deletions: Sequence[Deletion]) -> list[Deletion]:
    """Carry out these deletions: unfinished multipart uploads aborted, then the objects a
    store's batch at a time (a file and its staged parts go in one request, not one each);
    the ones the store could not do now."""
    failed: list[Deletion] = []
    by_store: dict[int, list[Deletion]] = {}
    for deletion in deletions:
        if deletion.multipart_upload_id is not None and not _aborted(deletion):
            failed.append(deletion)
        else:
            by_store.setdefault(id(deletion.store), []).append(deletion)
    for batch in by_store.values():
        try:
            refused = set(batch[0].store.delete_many([d.key for d in batch]))
        except (StorageUnavailable, ObjectNotFound) as exc:
            log.warning(
                "Could not delete %s objects after the commit (tried again later): %s",
                len(batch),
                exc,
            )
            refused = {d.key for d in batch}
        failed.extend(d for d in batch if d.key in refused)
    return failed


def _aborted(deletion: Deletion) -> bool:
    """Abort the unfinished multipart upload at the deletion's key (its object goes with the
    others); False (logged) when the store could not do it now."""
    assert deletion.multipart_upload_id is not None
    try:
        deletion.store.abort_multipart(deletion.key, deletion.multipart_upload_id)
    except (StorageUnavailable, ObjectNotFound) as exc:
        log.warning("Could not abort the upload at %s (tried again later): %s", deletion.key, exc)
        return False
    return True


def delete_objects(store: ObjectStore, objects: Sequence[tuple[str, str | None]]) -> None:
    """The DELETE_JOB's work: delete each (key, multipart upload id or None), which no committed
    row names any more. Idempotent; StorageUnavailable, naming what is left, while the store
    cannot take them all (the job is retried)."""
    failed = run_all([Deletion(store, key, upload_id) for key, upload_id in objects])
    left = [deletion.key for deletion in failed]
    if left:
        raise StorageUnavailable(f"Could not delete {len(left)} stored objects yet: {left[:5]}")


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the change that stops naming the objects is not committed
    session.info.pop(WRITTEN, None)  # committed: rows name them now
    pending: list[Deletion] = session.info.pop(PENDING, [])
    if not pending:
        return
    app: Flask | None = None
    if has_app_context() and current_app.config.get("TASK_BROKER_URL"):
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    # With a task queue a request never waits on the store to delete: the job does it (and a
    # broker that cannot be reached leaves it to be tried here). Jobs and commands delete now.
    if app is not None and has_request_context() and _hand_over(app, pending):
        return
    failed = run_all(pending)
    if failed and app is not None:  # without a broker the job would run now, in vain
        _hand_over(app, failed)


def _hand_over(app: Flask, deletions: list[Deletion]) -> bool:
    objects = [[deletion.key, deletion.multipart_upload_id] for deletion in deletions]
    return outbox.dispatch(app, DELETE_JOB, (objects,))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None and not previous.nested:
        session.info.pop(PENDING, None)
        for deletion in session.info.pop(WRITTEN, []):
            run(deletion)
