"""A candidate's application: start it, save drafts (never losing what was typed), submit it.

Decisions on submitted applications are in services.applications.decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portfolio.domain.applications import eligibility
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.programs.rules import ProgramRules
from portfolio.models import (
    Application,
    ApplicationStatus,
    Enrollment,
    EnrollmentStatus,
    ExperienceRecord,
    Framework,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.applications.completeness import submission_problems as submission_problems
from portfolio.services.applications.supervisors import InvitationSettings, invite_supervisor
from portfolio.services.programs.queries import get_framework
from portfolio.services.programs.versions import load_rules

CHANGED_ELSEWHERE = (
    "This application was changed in another tab or window since you opened it, so your "
    "changes were not saved."
)
NOT_FOUND = "We could not find that application."
# Values a candidate may set on the application itself (experience entries come separately).
APPLICATION_FIELDS = frozenset(
    {
        "phone",
        "address",
        "city",
        "region",
        "postal_code",
        "country",
        "has_diploma",
        "education_country",
        "is_member",
        "member_number",
        "payment_plan",
        "scholarship_key",
        "awarding_body_member",
        "supervisor_email",
    }
)
OPEN = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED)
# What a new application takes over from the person's last one to the same program (a rejected
# one, or one whose enrollment ended): who they are and where they worked. The way they pay is
# chosen afresh, since scholarships have their own limits.
CARRIED_OVER = APPLICATION_FIELDS - {"payment_plan", "scholarship_key"}


def start_application(session: Session, user: User, slug: str) -> Application:
    """The person's open application to program `slug`, or a new draft for its latest
    published version. Raises NotFound when no version of the program is published."""
    existing = open_application(session, user, slug)
    if existing is not None:
        return existing
    framework = get_framework(session, slug, include_drafts=False)
    if framework is None:
        raise NotFound("There is no published program with that name.")
    application = Application(user_id=user.id, framework_id=framework.id, form_input={})
    previous = previous_application(session, user, slug)
    if previous is not None:
        _carry_over(previous, application)
    session.add(application)
    session.flush()
    details: dict[str, Any] = {"slug": framework.slug, "version": framework.version}
    if previous is not None:
        details["copied_from"] = previous.id
    audit.record(
        session,
        actor=user,
        action=AuditAction.APPLICATION_STARTED,
        object_type="application",
        object_id=application.id,
        details=details,
    )
    return application


def _programs_applications(user: User, slug: str) -> Select[Application]:
    """`user`'s applications to program `slug`, the latest first (one row)."""
    return (
        select(Application)
        .join(Framework, Application.framework_id == Framework.id)
        .where(Application.user_id == user.id, Framework.slug == slug)
        .order_by(Application.id.desc())
        .limit(1)
    )


def open_application(session: Session, user: User, slug: str) -> Application | None:
    """A draft or submitted application of `user` to program `slug`, or an approved one whose
    enrollment goes on (active or certified), if any: there is then nothing new to start."""
    ended = select(Enrollment.application_id).where(Enrollment.status == EnrollmentStatus.CLOSED)
    query = _programs_applications(user, slug).where(
        Application.status.in_(OPEN), Application.id.not_in(ended)
    )
    return session.scalar(query)


def previous_application(session: Session, user: User, slug: str) -> Application | None:
    """The person's latest application to `slug` that was rejected or whose enrollment ended:
    what a new application starts from."""
    ended = select(Enrollment.application_id).where(Enrollment.status == EnrollmentStatus.CLOSED)
    query = _programs_applications(user, slug).where(
        (Application.status == ApplicationStatus.REJECTED) | Application.id.in_(ended)
    )
    return session.scalar(query)


def _carry_over(previous: Application, application: Application) -> None:
    for name in sorted(CARRIED_OVER):
        setattr(application, name, getattr(previous, name))
    application.experience = [
        ExperienceRecord(
            position=record.position,
            library=record.library,
            library_type=record.library_type,
            role=record.role,
            paid=record.paid,
            start_date=record.start_date,
            end_date=record.end_date,
            hours_per_week=record.hours_per_week,
        )
        for record in previous.experience
    ]


def get_application(session: Session, application_id: int) -> Application | None:
    """One application with its experience, framework and person loaded."""
    query = (
        select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.experience),
            joinedload(Application.framework),
            joinedload(Application.user),
        )
    )
    return session.scalar(query)


def get_own_application(session: Session, user: User, application_id: int) -> Application:
    """`user`'s application; NotFound for a missing id and for anybody else's alike."""
    application = get_application(session, application_id)
    if application is None or application.user_id != user.id:
        raise NotFound(NOT_FOUND)
    return application


def rules_for(application: Application) -> ProgramRules:
    return load_rules(application.framework)


def domain_entries(application: Application) -> list[eligibility.ExperienceEntry]:
    return [
        eligibility.ExperienceEntry(
            row.library,
            row.library_type,
            row.role,
            row.paid,
            row.start_date,
            row.end_date,
            row.hours_per_week,
        )
        for row in application.experience
    ]


def assess(application: Application, today: date) -> eligibility.Eligibility:
    """The domain's judgement of the saved application on `today`."""
    education = eligibility.Education(application.has_diploma, application.education_country)
    rules = rules_for(application).eligibility
    return eligibility.assess_eligibility(domain_entries(application), education, today, rules)


@dataclass(frozen=True)
class DraftChanges:
    """One save of the form: the values that passed the checks, and everything typed."""

    values: Mapping[str, Any]  # by column name; only APPLICATION_FIELDS
    entries: Sequence[eligibility.ExperienceEntry]  # the complete, valid entries, in order
    typed: Mapping[str, str]  # every field as typed, valid or not


def require_draft(application: Application) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(f"This application is {application.status.value}; it can no longer change.")


def check_version(application: Application, expected_version: int | None) -> None:
    """Conflict when the form was loaded from an older version than the one stored."""
    if expected_version != application.version:
        raise Conflict(CHANGED_ELSEWHERE)


def flush_or_conflict(session: Session) -> None:
    """Flush; a row changed by another request meanwhile (version check) becomes Conflict."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(CHANGED_ELSEWHERE) from exc


def save_draft(
    session: Session, application: Application, changes: DraftChanges, *, expected_version: int
) -> None:
    """Store the valid values and the text as typed. Conflict when not a draft or stale."""
    require_draft(application)
    check_version(application, expected_version)
    unknown = set(changes.values) - APPLICATION_FIELDS
    if unknown:
        raise ValueError(f"not application fields: {sorted(unknown)}")
    for name, value in changes.values.items():
        setattr(application, name, value)
    application.experience = [
        ExperienceRecord(
            position=position,
            library=entry.library,
            library_type=entry.library_type,
            role=entry.role,
            paid=entry.paid,
            start_date=entry.start,
            end_date=entry.end,
            hours_per_week=entry.hours_per_week,
        )
        for position, entry in enumerate(changes.entries)
    ]
    application.form_input = dict(changes.typed)
    # Always an UPDATE of the row, so the version moves even when only entries changed.
    application.updated_at = utcnow()
    flush_or_conflict(session)


def submit_application(
    session: Session,
    application: Application,
    *,
    expected_version: int,
    today: date,
    invitations: InvitationSettings,
) -> eligibility.Eligibility:
    """Submit a complete draft: record the eligibility the domain computes today, and invite
    the supervisor it names. Raises Conflict (not a draft, stale) or InvalidInput (incomplete)."""
    require_draft(application)
    check_version(application, expected_version)
    problems = submission_problems(session, application, today)
    if problems:
        name, message = next(iter(problems.items()))
        raise InvalidInput(message, field=name)
    result = assess(application, today)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = utcnow()
    application.eligibility = result.status
    application.hours_counted = result.hours_total
    flush_or_conflict(session)
    audit.record(
        session,
        actor=application.user,
        action=AuditAction.APPLICATION_SUBMITTED,
        object_type="application",
        object_id=application.id,
        details={"eligibility": result.status.value, "hours": result.hours_total},
    )
    if application.supervisor_email:
        invite_supervisor(session, application, invitations)
    return result
