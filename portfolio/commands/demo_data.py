"""The demo's sample work: an enrolled candidate with a portfolio and one set waiting on review.

Everything goes through the services, in the order the pages would call them: the candidate
applies (naming the demo supervisor), the demo administrator approves and qualifies the demo
reviewer, the candidate chooses electives and routes, writes, adds link evidence and submits
one set, which the assignment service gives to the reviewer. It only flushes; `flask demo`
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.applications.eligibility import ExperienceEntry
from portfolio.models import (
    Application,
    Assignment,
    AssignmentKind,
    Enrollment,
    EnrollmentSet,
    Framework,
    PaymentPlan,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.applications import decisions, drafts, payments, supervisors
from portfolio.services.applications.supervisors import DEFAULT_MAX_AGE, InvitationSettings
from portfolio.services.enrollment import enroll
from portfolio.services.portfolios import artifacts, submissions
from portfolio.services.portfolios import entries as portfolios
from portfolio.services.programs.queries import get_framework
from portfolio.services.reviewing import assignments, profiles

PROGRAM = "lsscp"  # the slug of data/frameworks/lsscp.yaml, which `make run` publishes
ELECTIVES = ["CAT", "REF", "YOUTH"]
SUBMITTED_SET = "COMM"
CANDIDATE_LIBRARY = "Anytown Public Library"
# Reviewers never review staff of their own library (domain.reviewing.assignment).
REVIEWER_LIBRARY = "Lakeside College Library"
# Where `make run` serves; email links use PUBLIC_BASE_URL instead when it is set.
LOCAL_SERVER = "http://127.0.0.1:5000"

STATEMENT = (
    "I have worked at the circulation desk of Anytown Public Library for four years. The "
    "desk taught me that most of library work is talking with people: patrons, volunteers and "
    "colleagues. This portfolio shows how I learned to do that well, and where I still grow."
)
NARRATIVES = {
    "COMM-01": "I greet every patron at the desk and finish each exchange by checking that "
    "their question was answered. Our team's desk guide, which I helped write, sets this out.",
    "COMM-02": "When a patron who reads little English asked about a hold, I showed the steps "
    "on screen and wrote the pickup date down instead of explaining it aloud.",
    "COMM-03": "Two patrons argued over the last study room. I offered the next free slot to "
    "one of them in writing, and called my supervisor when the argument grew louder.",
    "COMM-04": "I rewrote our overdue notice in plain words; calls asking what it meant fell "
    "from about ten a week to two.",
    "COMM-05": "I noticed parents struggling with strollers at the returns slot, so I now step "
    "out from behind the desk to take their books at busy times.",
    "COMM-06": "In the recorded role-play linked here I keep eye contact, stay seated at the "
    "patron's level and let them finish before I answer.",
    "COMM-07": "The role-play shows how I tell a patron about a lost-item charge: the facts "
    "first, then what they can do about it, then the time to ask questions.",
    "COMM-08": "I share the desk with three colleagues. We agreed who covers lunch breaks and "
    "I keep the shared handover notes up to date every evening.",
    "COMM-09": "After my supervisor watched me handle a complaint, she suggested I summarise "
    "the patron's words back to them. I now do, and I ask my colleagues for the same review.",
    "FOUND-01": "Our library serves a town where many households have no internet at home, so "
    "the library is where people apply for jobs and benefits.",
    "FOUND-09": "I learned to treat every question as worth answering, even the fifth one "
    "about where the restrooms are.",
}
LINKS = (
    (
        "https://example.org/anytown/staff-news/desk-teamwork",
        "Staff newsletter: how our circulation team shares the desk",
        "An article I wrote for the staff newsletter, with our desk guide attached.",
        ("COMM-01", "COMM-04", "COMM-08", "COMM-09"),
    ),
    (
        "https://example.org/anytown/training/difficult-news",
        "Recorded role-play: telling a patron about a lost-item charge",
        "A ten-minute training video made with my supervisor playing the patron.",
        ("COMM-02", "COMM-03", "COMM-05", "COMM-06", "COMM-07"),
    ),
)


@dataclass(frozen=True)
class DemoPeople:
    candidate: User
    reviewer: User
    administrator: User
    supervisor: User
    provider: User | None = None


def skip_reason(session: Session, candidate: User) -> str | None:
    """Why no demo portfolio is made now, or None when it should be."""
    framework = get_framework(session, PROGRAM, include_drafts=False)
    if framework is None:
        return (
            f"Demo portfolio skipped: no published {PROGRAM} framework exists. Run `flask --app "
            f"portfolio frameworks import data/frameworks/{PROGRAM}.yaml --publish` first."
        )
    missing = _codes_used() - _codes_of(framework)
    if missing:
        return (
            f"Demo portfolio skipped: the published {PROGRAM} framework has no "
            f"{', '.join(sorted(missing))}."
        )
    applied = session.scalar(
        select(Application.id)
        .join(Framework, Framework.id == Application.framework_id)
        .where(Application.user_id == candidate.id, Framework.slug == PROGRAM)
        .limit(1)
    )
    if applied is not None:
        return (
            f"Demo portfolio: {candidate.email} has applied to {PROGRAM} already; nothing changed."
        )
    return None


def build_demo_portfolio(session: Session, people: DemoPeople, today: date) -> list[str]:
    """Make the demo work described above; lines saying what was made.

    Raises the services' DomainError when a demo account no longer fits its part (say, the
    demo reviewer lost the reviewer role); skip_reason has checked the framework.
    """
    qualified = _prepare_reviewer(session, people)
    enrollment = _apply_and_enroll(session, people, today)
    _follow_as_supervisor(session, people)
    sets = _take_sets(session, enrollment, people.candidate)
    links = _write_portfolio(session, enrollment, people.candidate)
    submission = submissions.submit_set(session, sets[SUBMITTED_SET], people.candidate, today)
    given = session.scalars(
        select(Assignment).where(Assignment.submission_id == submission.id)
    ).all()
    missing = assignments.missing_reviewers(session, submission, AssignmentKind.REVIEW)
    framework = enrollment.framework
    lines = [
        f"Demo portfolio in {framework.name} version {framework.version}:",
        f"  {people.candidate.email}: application approved, enrolled in {', '.join(sets)}, "
        "all on the portfolio route",
        f"  portfolio: learning statement, {len(NARRATIVES)} narratives, {links} link "
        f"artifacts; {SUBMITTED_SET} submitted for review",
        f"  {people.reviewer.email}: qualified for {qualified} {PROGRAM} sets, calibrated, "
        f"library {REVIEWER_LIBRARY}",
    ]
    lines += [
        f"  {SUBMITTED_SET} assigned to {a.reviewer.email}, due {a.due_on.isoformat()}"
        for a in given
    ]
    if missing:
        # One demo reviewer, and the rules ask for two: the administrator's unassigned queue
        # then shows a real shortfall with its reasons.
        reviewers_word = "reviewer" if missing == 1 else "reviewers"
        lines.append(
            f"  {SUBMITTED_SET} still needs {missing} more {reviewers_word}: "
            "see Administration, unassigned submissions"
        )
    lines.append(f"  {people.supervisor.email} follows {people.candidate.email} (evidence shared)")
    if people.provider is not None:
        from portfolio.commands.demo_courses import build_demo_courses

        lines += build_demo_courses(session, people.provider, enrollment, today)
    return lines


def _codes_used() -> set[str]:
    """The set and competency codes the demo writes about."""
    linked = {code for *_texts, codes in LINKS for code in codes}
    return {SUBMITTED_SET, *ELECTIVES, *NARRATIVES, *linked}


def _codes_of(framework: Framework) -> set[str]:
    sets = {s.code for s in framework.sets}
    return sets | {c.code for s in framework.sets for c in s.competencies}


def _prepare_reviewer(session: Session, people: DemoPeople) -> int:
    profile = profiles.profile_for(session, people.reviewer)
    choices = [c.value for c in profiles.set_choices(session) if c.framework_slug == PROGRAM]
    profiles.update_profile(
        session,
        profile,
        actor=people.administrator,
        capacity=5,
        library=REVIEWER_LIBRARY,
        active=True,
        qualifications=choices,
    )
    # No service marks a reviewer calibrated but scoring an anchor, and the demo has none. Set
    # here so the reviewer keeps getting real reviews once an administrator marks an anchor.
    profile.calibrated_at = utcnow()
    session.flush()
    return len(choices)


def _apply_and_enroll(session: Session, people: DemoPeople, today: date) -> Enrollment:
    candidate = people.candidate
    application = drafts.start_application(session, candidate, PROGRAM)
    work = ExperienceEntry(
        library=CANDIDATE_LIBRARY,
        library_type="public",
        role="Circulation assistant",
        paid=True,
        start=today.replace(day=1) - timedelta(days=4 * 365),
        end=None,
        hours_per_week=Decimal(30),
    )
    values: dict[str, Any] = {
        "phone": "555-0142",
        "address": "12 Elm Street",
        "city": "Anytown",
        "region": "OH",
        "postal_code": "45000",
        "country": "US",
        "has_diploma": True,
        "education_country": "US",
        "payment_plan": PaymentPlan.FEE,
        "supervisor_email": people.supervisor.email,
    }
    # Nothing "as typed": the application page then shows the saved record.
    changes = drafts.DraftChanges(values=values, entries=[work], typed={})
    drafts.save_draft(session, application, changes, expected_version=application.version)
    drafts.submit_application(
        session,
        application,
        expected_version=application.version,
        today=today,
        invitations=_invitations(),
    )
    due = payments.current_statement(session, application).balance_cents
    if due:  # the fee arrived with the application, as the program asks
        payments.record_payment(
            session,
            application,
            actor=people.administrator,
            amount_cents=due,
            method="check",
            reference="Check 1001",
            received_on=today,
            today=today,
        )
    mail = decisions.DecisionMail(
        dashboard_url=_link("candidate.dashboard"),
    )
    return decisions.approve_application(
        session,
        application,
        actor=people.administrator,
        reason="Eligible: four years of paid library work and a US high-school diploma.",
        today=today,
        mail=mail,
    )


def _follow_as_supervisor(session: Session, people: DemoPeople) -> None:
    # The invitation was just made by submitting the application; accepting it needs no token.
    links = supervisors.candidate_links(session, people.candidate)
    link = next(x for x in links if x.email == people.supervisor.email)
    supervisors.accept_invitation(session, link, people.supervisor)
    supervisors.set_sharing(session, link, shares=True, actor=people.candidate)


def _take_sets(
    session: Session, enrollment: Enrollment, candidate: User
) -> dict[str, EnrollmentSet]:
    enroll.choose_electives(session, enrollment, ELECTIVES, actor=candidate)
    for item in enrollment.sets:
        enroll.choose_route(session, item, route="portfolio", actor=candidate)
    return {item.competency_set.code: item for item in portfolios.portfolio_sets(enrollment)}


def _write_portfolio(session: Session, enrollment: Enrollment, candidate: User) -> int:
    portfolio = portfolios.ensure_portfolio(session, enrollment)
    portfolios.update_learning_statement(
        session, portfolio, STATEMENT, portfolio.version, actor=candidate
    )
    by_code = {
        competency.code: competency.id
        for item in enrollment.sets
        for competency in item.competency_set.competencies
    }
    entries = portfolios.entries_by_competency(portfolio)
    for code, text in NARRATIVES.items():
        entry = entries[by_code[code]]
        portfolios.update_narrative(session, entry, text, entry.version, actor=candidate)
    for url, caption, description, codes in LINKS:
        artifacts.add_link_artifact(
            session,
            portfolio,
            url=url,
            caption=caption,
            description=description,
            competency_ids=[by_code[code] for code in codes],
            actor=candidate,
        )
    return len(LINKS)


def _invitations() -> InvitationSettings:
    config = current_app.config
    return InvitationSettings(
        secret_key=str(config["SECRET_KEY"]),
        link=lambda token: _link("supervisor.invitation", token=token),
        max_age=int(config.get("SUPERVISOR_INVITATION_MAX_AGE", DEFAULT_MAX_AGE)),
    )


def _link(endpoint: str, **values: Any) -> str:
    """An absolute link for the emails the services send; a command has no request to take
    the host from, so one is made for the address the app is served at."""
    base = current_app.config.get("PUBLIC_BASE_URL") or LOCAL_SERVER
    with current_app.test_request_context(base_url=str(base)):
        return url_for(endpoint, _external=True, **values)
