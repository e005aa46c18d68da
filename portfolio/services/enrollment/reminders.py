"""Deadline reminders for candidates: the completion window is ending and sets are still open,
or a resubmission is not made yet (a daily job: portfolio/jobs/enrollment.py). Run twice, sent
once: each reminder has an idempotency key (services.notifications)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.certification.evaluation import Verdict
from portfolio.domain.dates import add_months, format_date
from portfolio.domain.enrollment.reminders import (
    WINDOW_REMINDER_MONTHS,
    resubmission_reminder_due,
    window_reminder_due,
)
from portfolio.domain.lifecycle import SetLifecycle, resubmission_refusal
from portfolio.domain.notifications import Kind
from portfolio.models import (
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    OutcomeStatus,
    Route,
    SetOutcomeRecord,
    Submission,
)
from portfolio.services.certification.evaluation import standing
from portfolio.services.enrollment.progress import enrollments_query
from portfolio.services.links import page_url
from portfolio.services.notifications import notify
from portfolio.services.programs.versions import load_rules


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


def send_resubmission_reminders(session: Session, today: date) -> int:
    """Queue a reminder for each set that came back "not yet met" 30 or 90 days ago (the latest
    step due) and is not resubmitted yet, while a resubmission is still possible; the number
    queued now (not before: each step of each outcome is keyed)."""
    rows = session.execute(
        select(EnrollmentSet, Submission, SetOutcomeRecord)
        .join(Enrollment, Enrollment.id == EnrollmentSet.enrollment_id)
        .join(Submission, Submission.enrollment_set_id == EnrollmentSet.id)
        .join(SetOutcomeRecord, SetOutcomeRecord.submission_id == Submission.id)
        .where(
            EnrollmentSet.status == SetLifecycle.NOT_YET_MET,
            EnrollmentSet.route == Route.PORTFOLIO,
            EnrollmentSet.dropped_on.is_(None),
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.window_ends_on >= today,
            SetOutcomeRecord.status == OutcomeStatus.NOT_YET_MET,
        )
        .options(
            joinedload(EnrollmentSet.enrollment).joinedload(Enrollment.user),
            joinedload(EnrollmentSet.enrollment).joinedload(Enrollment.framework),
            joinedload(EnrollmentSet.competency_set),
        )
        .order_by(EnrollmentSet.id, Submission.attempt.desc())
    ).all()
    sent, seen = 0, set()
    for enrollment_set, submission, outcome in rows:
        if enrollment_set.id in seen:
            continue  # an earlier attempt's outcome: the latest one is what the set awaits
        seen.add(enrollment_set.id)
        enrollment = enrollment_set.enrollment
        days = resubmission_reminder_due(outcome.decided_at.date(), today)
        allowed = load_rules(enrollment.framework).review.resubmissions_allowed
        refusal = resubmission_refusal(
            enrollment_set.resubmissions_used, allowed, enrollment.window_ends_on, today
        )
        if days is None or refusal is not None:
            continue
        sent += _remind_resubmission(session, enrollment_set, submission, days)
    return sent


def _remind_resubmission(
    session: Session, enrollment_set: EnrollmentSet, submission: Submission, days: int
) -> int:
    enrollment = enrollment_set.enrollment
    candidate, set_name = enrollment.user, enrollment_set.competency_set.name
    path = f"/me/outcomes/{submission.id}"
    comments = page_url(path) or "sign in to Portfolio and open My certification"
    queued = notify(
        session,
        user=candidate,
        kind=Kind.DEADLINE_REMINDER,
        link=path,
        subject=f"Your resubmission of {set_name} is not made yet",
        body=(
            f"Hello {candidate.name},\n\nYour set {set_name} came back as not yet met about "
            f"{days} days ago, and you have not resubmitted it yet. You may revise your evidence "
            "using the reviewers' comments and resubmit it by "
            f"{format_date(enrollment.window_ends_on)}, when your completion window ends.\n\n"
            f"Read the comments and start here: {comments}"
        ),
        key=f"enrollment.resubmission_reminder:{enrollment_set.id}:{submission.id}:{days}",
    )
    return 1 if queued else 0
