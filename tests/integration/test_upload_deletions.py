"""A stored object is deleted only after the whole transaction that stops naming it commits.

A savepoint released on the way (an email queued with its key, a notification, a race guard)
is not that commit: were the object deleted then, a failure before the real commit would leave
a row naming an object that is gone (issue 10, section 1). The retry of a deletion that failed
after the commit is tested with the real task queue (test_task_queue.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from portfolio.domain.uploads.filenames import make_object_key
from portfolio.services.uploads.deletions import (
    Deletion,
    delete_after_commit,
    delete_objects,
    run_all,
)
from portfolio.storage import ObjectStore, StorageUnavailable
from portfolio.storage_binding import get_store


def test_a_deletion_waits_for_the_whole_transaction_not_a_savepoint(app, session):
    store = get_store()
    key = make_object_key(1)
    store.put(key, b"the checked file", "text/plain")

    delete_after_commit(session, store, key)
    with session.begin_nested():  # e.g. outbox.queue with a key, later in the same request
        pass
    assert store.stat(key) is not None, "deleted before the transaction committed"
    session.rollback()  # the request fails after all: the rows still name the object
    assert store.stat(key) is not None

    delete_after_commit(session, store, key)
    with session.begin_nested():
        pass
    session.commit()
    assert store.stat(key) is None


class RefusingStore:
    """The app's store, except that it refuses to delete the keys named "stuck" (S3 lists such
    keys in DeleteObjects' Errors) and to abort multipart uploads while `aborts_fail`."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.aborts_fail = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def delete_many(self, keys: Sequence[str]) -> list[str]:
        self.store.delete_many([key for key in keys if "stuck" not in key])
        return [key for key in keys if "stuck" in key]

    def abort_multipart(self, key: str, upload_id: str) -> None:
        if self.aborts_fail:
            raise StorageUnavailable()
        self.store.abort_multipart(key, upload_id)


def test_what_the_store_refuses_to_delete_is_named_for_the_retry_and_the_rest_goes(app, session):
    store = RefusingStore(get_store())
    keys = [make_object_key(1), make_object_key(1) + "-stuck", make_object_key(2)]
    for key in keys:
        store.put(key, b"bytes no row names", "text/plain")
    with pytest.raises(StorageUnavailable) as refused:
        delete_objects(store, [(key, None) for key in keys])  # type: ignore[arg-type]
    assert keys[1] in str(refused.value) and keys[0] not in str(refused.value)
    assert [store.stat(key) is None for key in keys] == [True, False, True]


def test_an_upload_that_cannot_be_aborted_keeps_its_object_for_the_retry(app, session):
    store = RefusingStore(get_store())
    key = make_object_key(1)
    upload_id = store.create_multipart(key, "application/pdf")
    store.put(key, b"an earlier object at the key", "text/plain")
    store.aborts_fail = True
    failed = run_all([Deletion(store, key, upload_id)])  # type: ignore[arg-type]
    assert [deletion.key for deletion in failed] == [key]
    assert store.stat(key) is not None  # deleted only once the upload is aborted
    store.aborts_fail = False
    assert run_all(failed) == []
    assert store.stat(key) is None
