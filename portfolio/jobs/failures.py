"""A job that used its last try is kept for administrators (services.job_failures), and the
jobs that leave state behind mark it failed too (an upload shows that its check failed)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task
from celery.signals import task_failure

from portfolio.extensions import db
from portfolio.jobs import portfolios, uploads
from portfolio.models.base import utcnow
from portfolio.services import job_failures

log = logging.getLogger(__name__)

# Called with the job's arguments and the error, after the failure is kept.
GAVE_UP: dict[str, Callable[..., None]] = {
    uploads.verify_upload.name: uploads.verify_upload_gave_up,
    portfolios.import_uploaded_portfolio.name: portfolios.import_gave_up,
}


@task_failure.connect
def keep_failure(
    sender: Task | None = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    args: tuple[Any, ...] | None = None,
    **_extra: object,
) -> None:
    if sender is None or task_id is None:
        return
    flask_app = getattr(sender.app, "flask_app", None)
    if flask_app is None:
        return
    error = f"{type(exception).__name__}: {exception}" if exception else "unknown error"
    log.error("Job %s[%s] failed for good: %s", sender.name, task_id, error)
    with flask_app.app_context():
        session = db.new_session()
        try:
            job_failures.record(
                session,
                task_id=task_id,
                task_name=sender.name,
                args=list(args or ()),
                error=error,
                now=utcnow(),
            )
            session.commit()
        finally:
            session.close()
        gave_up = GAVE_UP.get(sender.name)
        if gave_up is not None:
            gave_up(*(args or ()), error)
