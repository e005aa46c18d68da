"""The holders' daily renewal job (services.renewal.reminders)."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.renewal import reminders


@shared_task(
    name="portfolio.jobs.renewal.remind_renewals",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
)
def remind_renewals() -> dict[str, int]:
    """Lapse certificates whose grace period ended unrenewed, then remind holders whose renewal
    is due (each reminder once: the outbox keys it)."""
    session = db.session
    now = utcnow()
    lapsed = reminders.lapse_unrenewed(session, now.date(), now)
    reminded = reminders.send_renewal_reminders(session, now.date())
    session.commit()
    return {"lapsed": lapsed, "reminded": reminded}
