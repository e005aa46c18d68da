"""Two runs of `flask certification evaluate --all` at once (a cron job overlapping the one
before it): each candidate is decided once, with one certificate, one credential and one email.

PostgreSQL only: real concurrent transactions on committed data (tests/committed_data.py). The
first batch is held at its audit rows with the enrollments it decided locked; the second reads
the same candidates as still open, decides them too and waits for their locks; once the first
commits, the second reads them again under the lock, finds them decided and records nothing.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.certification.evaluation import Route
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.extensions import db
from portfolio.models import (
    AuditEvent,
    Certificate,
    CertificationDecision,
    EnrollmentSet,
    IssuedCredential,
    OutboxMessage,
)
from portfolio.services.certification.batch_evaluation import BatchOutcome, evaluate_all
from portfolio.web import clock
from tests.committed_data import backends_waiting_on, table_locked
from tests.review_fixtures import make_candidate, make_framework

pytestmark = pytest.mark.postgres_only


def test_two_batches_at_once_decide_each_candidate_once(app, committed_engine):
    tag = uuid.uuid4().hex[:8]
    with app.app_context(), Session(committed_engine) as setup:
        framework = make_framework(setup, slug=f"batch-race-{tag}")
        core = framework.sets[0]
        enrollment_ids = []
        for n in range(3):
            _candidate, enrollment = make_candidate(
                setup, framework, email=f"ready{n}-{tag}@example.org"
            )
            setup.add(
                EnrollmentSet(
                    enrollment=enrollment,
                    set_id=core.id,
                    route=Route.PORTFOLIO,
                    status=SetLifecycle.MET,
                )
            )
            enrollment_ids.append(enrollment.id)
        setup.commit()

    outcomes: dict[str, BatchOutcome] = {}
    errors: list[BaseException] = []

    def batch(name: str) -> None:
        try:
            with app.app_context():
                outcomes[name] = evaluate_all(db.session, clock.today())
                db.session.commit()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    first = threading.Thread(target=batch, args=("first",))
    second = threading.Thread(target=batch, args=("second",))
    with table_locked(committed_engine, AuditEvent.__tablename__):
        first.start()
        backends_waiting_on(committed_engine, AuditEvent.__tablename__, count=1)
        second.start()
        # The second waits for an enrollment row the first holds (and the first for the table).
        backends_waiting_on(committed_engine, count=2)
    first.join(60)
    second.join(60)

    assert not errors, errors
    assert outcomes["first"].certified == 3
    assert outcomes["second"].certified == 0 and outcomes["second"].not_certified == 0
    with Session(committed_engine) as check:

        def count(model, *where) -> int:  # type: ignore[no-untyped-def]
            return check.scalar(select(func.count()).select_from(model).where(*where))

        mine = CertificationDecision.enrollment_id.in_(enrollment_ids)
        assert count(CertificationDecision, mine) == 3
        certificates = check.scalars(
            select(Certificate.id).where(Certificate.enrollment_id.in_(enrollment_ids))
        ).all()
        assert len(certificates) == 3
        assert count(IssuedCredential, IssuedCredential.certificate_id.in_(certificates)) == 3
        decided = AuditEvent.object_id.in_([str(i) for i in enrollment_ids])
        assert count(AuditEvent, AuditEvent.action == "certification.decided", decided) == 3
        emails = OutboxMessage.recipient.like(f"%-{tag}@example.org")
        assert count(OutboxMessage, emails) == 3
