"""The candidates' daily deadline reminders (services.enrollment.reminders)."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.enrollment import reminders


@shared_task(
    name="portfolio.jobs.enrollment.remind_windows",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
)
def remind_windows() -> int:
    """Remind candidates whose completion window ends in 6, 3 or 1 months with sets still open
    (each reminder once: the outbox keys it)."""
    session = db.session
    count = reminders.send_window_reminders(session, utcnow().date())
    session.commit()
    return count


@shared_task(
    name="portfolio.jobs.enrollment.remind_resubmissions",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
)
def remind_resubmissions() -> int:
    """Remind candidates of a set that came back "not yet met" and is not resubmitted yet, 30
    and 90 days after its outcome (each reminder once: its notification is keyed)."""
    session = db.session
    count = reminders.send_resubmission_reminders(session, utcnow().date())
    session.commit()
    return count
