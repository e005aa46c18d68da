"""The daily notification digest (services.digests)."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services import digests


@shared_task(
    name="portfolio.jobs.notifications.send_digests",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
)
def send_digests() -> int:
    """Email each person one digest of the notifications waiting for it (run twice, sent once:
    the notifications are claimed in the digest's own transaction)."""
    session = db.session
    count = digests.send_digests(session, utcnow())
    session.commit()
    return count
