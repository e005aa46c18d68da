"""The daily review and decision jobs (the same services as `flask reviews ...`)."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.certification import evaluation
from portfolio.services.reviewing import assignments, outcome_changes

DAILY = {"autoretry_for": (OperationalError,), "retry_backoff": True}


@shared_task(name="portfolio.jobs.reviews.remind", **DAILY)
def remind_reviewers() -> int:
    """Email reviewers whose reviews are due in a few days or today (once per review and day)."""
    session = db.session
    count = assignments.send_review_reminders(session, utcnow().date())
    session.commit()
    return count


@shared_task(name="portfolio.jobs.reviews.assign_waiting", **DAILY)
def assign_waiting() -> int:
    """Try again to find reviewers for the sets in the unassigned queue."""
    session = db.session
    done = assignments.retry_unassigned(session, utcnow().date())
    session.commit()
    return done


@shared_task(name="portfolio.jobs.reviews.close_expired", **DAILY)
def close_expired() -> int:
    """Close as not met the not-yet-met sets whose completion window has ended."""
    session = db.session
    closed = outcome_changes.close_expired_sets(session, utcnow().date())
    session.commit()
    return closed


@shared_task(name="portfolio.jobs.reviews.decide_expired", **DAILY)
def decide_expired() -> int:
    """The evaluation batch: decide (not certified) the enrollments whose window has ended."""
    session = db.session
    decided = evaluation.decide_expired(session, utcnow().date())
    session.commit()
    return decided
