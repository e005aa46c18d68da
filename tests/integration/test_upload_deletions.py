"""A stored object is deleted only after the whole transaction that stops naming it commits.

A savepoint released on the way (an email queued with its key, a notification, a race guard)
is not that commit: were the object deleted then, a failure before the real commit would leave
a row naming an object that is gone (issue 10, section 1). The retry of a deletion that failed
after the commit is tested with the real task queue (test_task_queue.py).
"""

from __future__ import annotations

from portfolio.domain.uploads.filenames import make_object_key
from portfolio.services.uploads.deletions import delete_after_commit
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
