"""Two digest runs at the same instant (beat delivered the job twice, or a retry overlapped the
first run) send each person one digest: the second run waits on the first's claim of the
notifications and then finds them taken.

PostgreSQL only: real concurrent transactions on committed data (tests/committed_data.py).
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.notifications import Delivery, Kind
from portfolio.models import OutboxMessage, Role
from portfolio.models.base import utcnow
from portfolio.services import digests, notifications
from tests.committed_data import backends_waiting_on
from tests.helpers import make_user

pytestmark = pytest.mark.postgres_only


def test_two_digest_runs_at_once_send_one_digest(app, committed_engine, mailbox):
    email = f"digest-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context(), Session(committed_engine) as setup:
        reader = make_user(setup, email, roles=(Role.REVIEWER,))
        notifications.choose(setup, reader.id, Kind.REVIEW_ASSIGNED, Delivery.DIGEST)
        for number in (1, 2, 3):
            notifications.notify(
                setup,
                user=reader,
                kind=Kind.REVIEW_ASSIGNED,
                link=f"/review/assignments/{number}",
                subject=f"New review: set {number}",
                body="b",
            )
        setup.commit()
    now = utcnow()
    results: dict[str, int] = {}

    with app.app_context(), Session(committed_engine) as first:
        results["first"] = digests.send_digests(first, now)  # claimed, not committed yet

        def second_run() -> None:
            with app.app_context(), Session(committed_engine) as second:
                results["second"] = digests.send_digests(second, now)
                second.commit()

        thread = threading.Thread(target=second_run)
        thread.start()
        backends_waiting_on(committed_engine)  # the second run waits on the first's claim
        first.commit()
        thread.join(30)
        assert not thread.is_alive()

    assert results == {"first": 1, "second": 0}
    with Session(committed_engine) as check:
        queued = check.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.recipient == email, OutboxMessage.kind == Kind.DIGEST)
        )
    assert queued == 1
    (digest,) = mailbox.to(email)
    assert digest["Subject"] == "Your Portfolio digest: 3 notifications"
