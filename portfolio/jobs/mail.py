"""The outbox's delivery pass as a job: after each commit that queued mail, and from the sweep."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from portfolio.extensions import db
from portfolio.services import outbox
from portfolio.services.mail import MailSettings


@shared_task(name=outbox.DELIVER_JOB, ignore_result=True)
def deliver_outbox() -> int:
    """Send the emails that are due, each claimed first: a pass delivered twice, or two passes
    at once, send every email once. Failures stay on their rows, retried with the outbox's own
    backoff; the sweep runs this every minute."""
    result = outbox.deliver_due(db.new_session, MailSettings.from_config(current_app.config))
    return result.sent
