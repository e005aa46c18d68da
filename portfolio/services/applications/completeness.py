"""Is an application complete? The checks run before submission, field by field."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from portfolio.domain.applications.countries import COUNTRY_NAMES
from portfolio.domain.applications.fees import scholarship_eligibility
from portfolio.models import Application, PaymentPlan
from portfolio.services.applications.scholarships import body_award_dates
from portfolio.services.programs.versions import load_rules


def submission_problems(session: Session, application: Application, today: date) -> dict[str, str]:
    """What the saved application still lacks, by field; empty when it can be submitted."""
    problems: dict[str, str] = {}
    required = {
        "phone": "Enter your phone number.",
        "address": "Enter your street address.",
        "city": "Enter your city or town.",
        "postal_code": "Enter your ZIP or postal code.",
    }
    for name, message in required.items():
        if not getattr(application, name).strip():
            problems[name] = message
    for name in ("country", "education_country"):
        if getattr(application, name) not in COUNTRY_NAMES:
            problems[name] = "Choose a country from the list."
    if application.has_diploma is None:
        problems["has_diploma"] = "Say whether you have a high-school diploma or equivalent."
    if not application.experience:
        problems["entries"] = "Add at least one period of library work."
    if application.is_member and not application.member_number.strip():
        problems["member_number"] = "Enter your member number, or untick membership."
    if application.supervisor_email and application.supervisor_email == application.user.email:
        problems["supervisor_email"] = "Enter your supervisor's address, not your own."
    if application.payment_plan == PaymentPlan.SCHOLARSHIP:
        problem = _scholarship_problem(session, application, today)
        if problem:
            problems["scholarship_key"] = problem
    return problems


def _scholarship_problem(session: Session, application: Application, today: date) -> str | None:
    every = load_rules(application.framework).fees.scholarships
    scholarship = {s.key: s for s in every}.get(application.scholarship_key)
    if scholarship is None:
        return "Choose the scholarship you will use, or choose to pay the fee."
    previous = body_award_dates(session, application.user_id, every, scholarship)
    member = bool(application.awarding_body_member)
    check = scholarship_eligibility(scholarship, member, previous, today)
    return None if check.ok else check.reason
