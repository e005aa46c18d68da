"""Deadline reminders for candidates: the completion window is ending and sets are still open,
or a resubmission is not made yet (a daily job: portfolio/jobs/enrollment.py). Run twice, sent
once: each email has an idempotency key in the outbox."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from portfolio.domain.certification.evaluation import Verdict
from portfolio.domain.dates import add_months, format_date
from portfolio.domain.enrollment.reminders import WINDOW_REMINDER_MONTHS, window_reminder_due
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.notifications import Kind
from portfolio.models import Enrollment, EnrollmentStatus, Route
from portfolio.services.certification.evaluation import standing
from portfolio.services.enrollment.progress import enrollments_query
from portfolio.services.links import page_url
from portfolio.services.notifications import notify


def send_window_reminders(session: Session, today: date) -> int:
    """Queue a reminder for each active enrollment whose window ends within the first reminder's
    months and that is not certified yet; the number queued now (not before)."""
    horizon = add_months(today, max(WINDOW_REMINDER_MONTHS))
    enrollments = session.scalars(
        enrollments_query().where(
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.window_ends_on >= today,
            Enrollment.window_ends_on <= horizon,
        )
    ).all()
    sent = 0
    for enrollment in enrollments:
        months = window_reminder_due(enrollment.window_ends_on, today)
        decision = standing(enrollment, today)
        if months is None or decision.verdict is not Verdict.NOT_YET:
            continue
        sent += _remind(session, enrollment, months, decision.summary)
    return sent


def _remind(session: Session, enrollment: Enrollment, months: int, still: str) -> int:
    candidate, program = enrollment.user, enrollment.framework.name
    to_resubmit = [
        item.competency_set.name
        for item in enrollment.sets
        if item.route == Route.PORTFOLIO and item.status is SetLifecycle.NOT_YET_MET
    ]
    resubmit = (
        f"\n\nStill to resubmit, with the reviewers' comments: {', '.join(to_resubmit)}."
        if to_resubmit
        else ""
    )
    dashboard = page_url("/me/") or "sign in to Portfolio"
    queued = notify(
        session,
        user=candidate,
        kind=Kind.DEADLINE_REMINDER,
        link="/me/",
        subject=f"Your {program} window ends on {format_date(enrollment.window_ends_on)}",
        body=(
            f"Hello {candidate.name},\n\nYour completion window for {program} ends on "
            f"{format_date(enrollment.window_ends_on)}, in about {months} "
            f"month{'' if months == 1 else 's'}. {still}{resubmit}\n\n"
            f"See what is left and what to do next: {dashboard}"
        ),
        key=f"enrollment.window_reminder:{enrollment.id}:{months}",
    )
    return 1 if queued else 0
