"""Two requests to import the same checked export at once (a double click, a retried request):
one import is recorded, both get it, and its job and audit event are made once.

PostgreSQL only (tests/committed_data.py): the first request holds the upload's row lock until
it commits, while the second waits for it; then the second finds the first's import instead of
breaking the one-import-per-upload key.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.uploads.purposes import UploadPurpose
from portfolio.models import AuditEvent, Enrollment, PortfolioImport, User
from portfolio.models.base import utcnow
from portfolio.services import outbox
from portfolio.services.portfolios import import_jobs
from tests.committed_data import backends_waiting_on
from tests.portfolio_fixtures import make_upload
from tests.review_fixtures import make_candidate, make_framework


def test_two_requests_to_import_one_export_at_once_record_one_import(app, committed_engine):
    with app.app_context(), Session(committed_engine) as setup:
        user, enrollment = make_candidate(setup, make_framework(setup))
        upload = make_upload(setup, user, name="portfolio.zip")
        upload.purpose = UploadPurpose.PORTFOLIO_IMPORT
        setup.commit()
        user_id, enrollment_id, upload_id = user.id, enrollment.id, upload.id

    first_recorded = threading.Event()
    let_first_commit = threading.Event()
    imports: list[int] = []
    jobs: list[object] = []
    errors: list[BaseException] = []

    def ask(first: bool) -> None:
        try:
            with app.app_context(), Session(committed_engine) as session:
                person = session.get(User, user_id)
                their_enrollment = session.get(Enrollment, enrollment_id)
                if not first:
                    first_recorded.wait(timeout=10)
                record = import_jobs.request_import(
                    session, person, their_enrollment, upload_id, now=utcnow()
                )
                # The jobs this request would start after its commit (not run here: no store).
                jobs.extend(session.info.pop(outbox.JOBS, []))
                if first:
                    first_recorded.set()
                    let_first_commit.wait(timeout=10)
                session.commit()
                imports.append(record.id)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(first,)) for first in (True, False)]
    for thread in threads:
        thread.start()
    first_recorded.wait(timeout=10)
    backends_waiting_on(committed_engine)  # the second request, at the upload's row lock
    let_first_commit.set()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(imports) == 2 and imports[0] == imports[1]
    assert len(jobs) == 1
    with Session(committed_engine) as check:
        recorded = check.scalars(
            select(PortfolioImport).where(PortfolioImport.upload_id == upload_id)
        ).all()
        assert [r.id for r in recorded] == imports[:1]
        requested = check.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == AuditAction.PORTFOLIO_IMPORT_REQUESTED,
                AuditEvent.object_id == str(imports[0]),
            )
        )
        assert requested == 1
