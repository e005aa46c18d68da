"""The beat schedule, in code; the times come from configuration (SCHEDULE_*, UTC).

| job | when |
|---|---|
| deliver the outbox (emails due, retries) | every JOB_SWEEP_SECONDS |
| queue again upload checks no run holds | every JOB_SWEEP_SECONDS |
| reviewer reminders | SCHEDULE_REVIEW_REMINDERS |
| candidates' window reminders | SCHEDULE_WINDOW_REMINDERS |
| assign waiting sets | SCHEDULE_ASSIGN_WAITING |
| close expired sets | SCHEDULE_CLOSE_EXPIRED |
| decide expired enrollments (evaluation batch) | SCHEDULE_DECIDE_EXPIRED |
| expire pending uploads | SCHEDULE_EXPIRE_UPLOADS |
| reconcile the store | SCHEDULE_RECONCILE |
| lapse unrenewed certificates, renewal reminders | SCHEDULE_RENEWAL_REMINDERS |
| candidates' resubmission reminders | SCHEDULE_RESUBMISSION_REMINDERS |
| the daily notification digest | SCHEDULE_NOTIFICATION_DIGEST |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery.schedules import crontab

DAILY = {
    "portfolio.jobs.reviews.remind": "SCHEDULE_REVIEW_REMINDERS",
    "portfolio.jobs.enrollment.remind_windows": "SCHEDULE_WINDOW_REMINDERS",
    "portfolio.jobs.reviews.assign_waiting": "SCHEDULE_ASSIGN_WAITING",
    "portfolio.jobs.reviews.close_expired": "SCHEDULE_CLOSE_EXPIRED",
    "portfolio.jobs.reviews.decide_expired": "SCHEDULE_DECIDE_EXPIRED",
    "portfolio.jobs.uploads.expire_pending": "SCHEDULE_EXPIRE_UPLOADS",
    "portfolio.jobs.uploads.reconcile": "SCHEDULE_RECONCILE",
    "portfolio.jobs.renewal.remind_renewals": "SCHEDULE_RENEWAL_REMINDERS",
    "portfolio.jobs.enrollment.remind_resubmissions": "SCHEDULE_RESUBMISSION_REMINDERS",
    "portfolio.jobs.notifications.send_digests": "SCHEDULE_NOTIFICATION_DIGEST",
}
SWEEPS = (
    "portfolio.jobs.mail.deliver_outbox",
    "portfolio.jobs.uploads.sweep_checks",
    "portfolio.jobs.portfolios.sweep_imports",
)


def daily_at(value: str) -> crontab:
    """A crontab for "HH:MM" (UTC); ValueError for anything else."""
    hour, sep, minute = str(value).partition(":")
    if not sep or not (hour.isdigit() and minute.isdigit()):
        raise ValueError(f"use HH:MM, not {value!r}")
    if int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"use HH:MM, not {value!r}")
    return crontab(hour=int(hour), minute=int(minute))


def beat_schedule(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Celery's beat_schedule from the app's settings."""
    schedule: dict[str, dict[str, Any]] = {
        name: {"task": name, "schedule": float(config["JOB_SWEEP_SECONDS"])} for name in SWEEPS
    }
    for name, key in DAILY.items():
        try:
            schedule[name] = {"task": name, "schedule": daily_at(config[key])}
        except ValueError as exc:
            raise SystemExit(f"{key}: {exc}") from None
    return schedule
