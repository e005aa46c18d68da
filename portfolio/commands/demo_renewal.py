"""The demo's certified holder inside the renewal window (part of `flask demo`): certified by
approved courses, their certificate expiring in a few weeks, a continuing-education log part
full, so renewal can be tried at once: log the rest, apply, and approve as the administrator.

Idempotent: nothing changes once the holder has a certificate. Dates are set back (the
application and enrollment years ago), so the certificate's five years end soon after today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.applications.eligibility import ExperienceEntry
from portfolio.domain.dates import add_years
from portfolio.models import (
    Certificate,
    CertificationDecision,
    CourseStatus,
    EnrollmentSet,
    PaymentPlan,
    Role,
    Route,
    User,
)
from portfolio.services.accounts import users
from portfolio.services.applications import decisions, drafts, payments
from portfolio.services.certification.evaluation import evaluate_enrollment
from portfolio.services.programs.queries import get_framework
from portfolio.services.programs.versions import load_rules
from portfolio.services.renewal import log

PROGRAM = "lsscp"
HOLDER = ("holder@demo.example", "Harper Holder", "demo holder renews on time")
ELECTIVES = ["ACCESS", "REF", "COLL"]
EXPIRES_IN_DAYS = 75  # inside the 12-month window, a reminder already due
# (title, provider, days ago, unit, amount, on technology): 21 of the 32 hours, 3 of 4 on tech.
ACTIVITIES = (
    ("Collection development", "Anytown Community College", 300, "semester_credit", "1", False),
    ("Assistive technology at the desk", "State Library webinar", 120, "workshop_hour", "3", True),
    ("Readers' advisory roundtable", "Ohio Library Council", 60, "self_directed_hour", "3", False),
)


def build_renewal_demo(session: Session, administrator: User | None, today: date) -> list[str]:
    framework = get_framework(session, PROGRAM, include_drafts=False)
    if framework is None or administrator is None:
        return ["Demo holder skipped: no published LSSCP framework or no demo administrator."]
    email, name, password = HOLDER
    holder = users.find_by_email(session, email)
    if holder is None:
        holder = users.create_account(
            session,
            email=email,
            name=name,
            password=password,
            roles=(Role.CANDIDATE,),
            confirmed=True,
            source="demo",
        )
    elif session.scalar(select(Certificate.id).where(Certificate.user_id == holder.id)):
        return [f"Demo holder: {email} holds a certificate already; nothing changed."]
    rules = load_rules(framework)
    expires_on = today + timedelta(days=EXPIRES_IN_DAYS)
    issued_on = add_years(expires_on, -rules.certificate_validity_years)
    enrolled_on = issued_on - timedelta(days=300)
    enrollment = _enroll(session, holder, administrator, enrolled_on)
    # Set directly: the services refuse changes once the completion window has closed, and
    # this enrollment's window closed years ago (the holder finished inside it).
    electives = [s for s in enrollment.framework.sets if s.code in ELECTIVES]
    enrollment.sets.extend(EnrollmentSet(set_id=s.id) for s in electives)
    session.flush()
    for item in enrollment.sets:
        item.route = Route.COURSE
        item.course_name = f"{item.competency_set.name} (approved course)"
        item.course_provider = "Anytown Community College"
        item.course_status = CourseStatus.VERIFIED  # as the office's verification leaves it
    session.flush()
    evaluate_enrollment(session, enrollment, issued_on, actor=administrator)
    certificate = session.scalar(select(Certificate).where(Certificate.user_id == holder.id))
    assert certificate is not None, "the demo holder's sets should certify them"
    # Decided on the day the certificate was issued, years ago (the service stamps today).
    for decision in session.scalars(
        select(CertificationDecision).where(CertificationDecision.enrollment_id == enrollment.id)
    ):
        decision.decided_at = datetime.combine(issued_on, time(12), tzinfo=UTC)
    for title, provider, days_ago, unit, amount, technology in ACTIVITIES:
        fields: dict[str, Any] = {
            "title": title,
            "provider": provider,
            "done_on": (today - timedelta(days=days_ago)).isoformat(),
            "unit": unit,
            "amount": amount,
            "on_technology": technology,
        }
        log.add_activity(session, certificate, fields, today=today)
    return [
        f"  {'holder':<13} {email:<26} password: {password}",
        f"Demo holder: certificate {certificate.number} expires on {certificate.expires_on}; "
        f"{len(ACTIVITIES)} continuing-education activities logged (renewal is open)",
    ]


def _enroll(session: Session, holder: User, administrator: User, day: date) -> Any:
    application = drafts.start_application(session, holder, PROGRAM)
    # The services stamp today's time; the holder applied and was approved years ago, and the
    # intake funnel counts an application in the quarter it was submitted.
    then = datetime.combine(day, time(12), tzinfo=UTC)
    application.created_at = then
    work = ExperienceEntry(
        library="Anytown Public Library",
        library_type="public",
        role="Library assistant",
        paid=True,
        start=day - timedelta(days=3 * 365),
        end=None,
        hours_per_week=Decimal(35),
    )
    values: dict[str, Any] = {
        "phone": "555-0177",
        "address": "4 Oak Lane",
        "city": "Anytown",
        "region": "OH",
        "postal_code": "45000",
        "country": "US",
        "has_diploma": True,
        "education_country": "US",
        "payment_plan": PaymentPlan.FEE,
    }
    changes = drafts.DraftChanges(values=values, entries=[work], typed={})
    drafts.save_draft(session, application, changes, expected_version=application.version)
    drafts.submit_application(
        session, application, expected_version=application.version, today=day, invitations=None
    )
    due = payments.current_statement(session, application).balance_cents
    if due:
        payments.record_payment(
            session,
            application,
            actor=administrator,
            amount_cents=due,
            method="check",
            reference="Check 2001",
            received_on=day,
            today=day,
        )
    enrollment = decisions.approve_application(
        session,
        application,
        actor=administrator,
        reason="Eligible: paid library work and a US high-school diploma.",
        today=day,
        mail=decisions.DecisionMail(dashboard_url=""),
    )
    application.submitted_at = application.decided_at = then
    session.flush()
    return enrollment
