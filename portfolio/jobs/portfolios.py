"""Portfolio jobs: importing an export sent through the upload flow, and its sweep."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from portfolio.extensions import db
from portfolio.jobs.uploads import check_lease
from portfolio.models.base import utcnow
from portfolio.services.portfolios import import_jobs
from portfolio.services.portfolios.importing import import_limits_from
from portfolio.storage import StorageUnavailable
from portfolio.storage_binding import get_store, limits_from

log = logging.getLogger(__name__)


@shared_task(
    name=import_jobs.IMPORT_JOB,
    autoretry_for=(StorageUnavailable, OperationalError),
    retry_backoff=True,
    retry_jitter=True,
)
def import_uploaded_portfolio(import_id: int) -> str | None:
    """Import one waiting portfolio import (services.portfolios.import_jobs.run_import);
    retried with backoff while the store or the database is unavailable. A delivery that
    finds another run holding the import is dropped: that run finishes it."""
    try:
        status = import_jobs.run_import(
            db.new_session,
            get_store(),
            import_id,
            limits=import_limits_from(current_app.config),
            upload_limits=limits_from(current_app.config),
            lease=check_lease(),
            now=utcnow,
        )
    except import_jobs.ImportBusy as busy:
        log.info("Import %s: dropped a second delivery (%s)", import_id, busy)
        return None
    return status.value if status is not None else None


def import_gave_up(import_id: int, error: str) -> None:
    """After the last try: the import shows that it could not run, and may be tried again."""
    session = db.session
    import_jobs.give_up(session, import_id, error, utcnow())
    session.commit()


@shared_task(name="portfolio.jobs.portfolios.sweep_imports", ignore_result=True)
def sweep_imports() -> int:
    """Queue again the imports no run holds or waits for (a worker died, the broker was down)."""
    session = db.session
    count = import_jobs.stale_imports(session, utcnow(), check_lease())
    session.commit()
    return count
