"""Enrollment: approval enrolls a candidate; the candidate then picks electives and routes.

A candidate stays on the framework version they enrolled under, even after a newer one is
published. Everything here flushes; the request commits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.enrollment.electives import (
    ElectiveDrop,
    elective_drop,
    validate_electives,
)
from portfolio.domain.enrollment.routes import route_refusal
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.lifecycle import completion_window_end
from portfolio.domain.programs.rules import ProgramRules
from portfolio.models import (
    Application,
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Framework,
    Role,
    Route,
    SetKind,
    Submission,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.accounts.roles import grant_role
from portfolio.services.certification.set_states import set_states
from portfolio.services.enrollment.progress import enrollments_query
from portfolio.services.portfolios.entries import ensure_portfolio
from portfolio.services.programs.queries import get_framework, get_framework_by_id
from portfolio.services.programs.versions import load_rules


def enroll(session: Session, application: Application, *, actor: User, today: date) -> Enrollment:
    """Enroll the applicant in the version of the program published now, with every required
    set, and open the completion window from today. Grants the candidate role if missing.

    Raises Conflict when no version is published now or the application is enrolled already.
    """
    framework = get_framework(session, application.framework.slug, include_drafts=False)
    if framework is None:
        raise Conflict("No version of this program is published now; publish one first.")
    rules = load_rules(framework)
    enrollment = Enrollment(
        user_id=application.user_id,
        framework_id=framework.id,
        application_id=application.id,
        enrolled_on=today,
        window_ends_on=completion_window_end(today, rules),
    )
    required = [
        s for s in framework.sets if s.kind == SetKind.REQUIRED or s.code in rules.required_sets
    ]
    enrollment.sets = [EnrollmentSet(set_id=s.id) for s in required]
    carried = (
        _carry_over_met_sets(session, application, framework, enrollment, rules)
        if rules.met_sets_carry_over
        else []
    )
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError as exc:
        raise Conflict("This application has led to an enrollment already.") from exc
    grant_role(session, actor=actor, user=application.user, role=Role.CANDIDATE)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ENROLLMENT_CREATED,
        object_type="enrollment",
        object_id=enrollment.id,
        details={
            "application_id": application.id,
            "slug": framework.slug,
            "version": framework.version,
            "window_ends_on": enrollment.window_ends_on.isoformat(),
            "required_sets": [s.code for s in required],
            "carried_over": carried,
        },
    )
    return enrollment


def _carry_over_met_sets(
    session: Session,
    application: Application,
    framework: Framework,
    enrollment: Enrollment,
    rules: ProgramRules,
) -> list[str]:
    """Mark the sets the person met in an earlier enrollment in this program as met here too,
    the way they were met (portfolio, or verified course); a met elective becomes one of the
    electives chosen, up to the number the program asks for. The codes carried over."""
    earlier = session.scalars(
        select(Enrollment)
        .join(Framework, Framework.id == Enrollment.framework_id)
        .where(
            Enrollment.user_id == application.user_id,
            Framework.slug == framework.slug,
            Enrollment.id != enrollment.id,
        )
        .order_by(Enrollment.id)
    ).all()
    met = {
        item.competency_set.code: item
        for previous in earlier
        for item, state in zip(previous.sets, set_states(previous), strict=True)
        if state.met
    }
    by_code = {s.code: s for s in framework.sets}
    code_of = {s.id: s.code for s in framework.sets}
    taken = {code_of[item.set_id]: item for item in enrollment.sets}
    electives_left = rules.electives_required
    carried = []
    for code, old in met.items():
        if code not in by_code:
            continue  # the set is not in this version of the program
        item = taken.get(code)
        if item is None:
            if electives_left == 0:
                continue
            item = EnrollmentSet(set_id=by_code[code].id)
            enrollment.sets.append(item)
            electives_left -= 1
        item.route, item.status = old.route, old.status
        item.course_name, item.course_provider = old.course_name, old.course_provider
        item.course_status = old.course_status
        item.course_version_id = old.course_version_id
        carried.append(code)
    return carried


def get_own_enrollment(session: Session, user: User, enrollment_id: int) -> Enrollment:
    """`user`'s enrollment with its sets and framework; NotFound for anybody else's."""
    enrollment = session.scalar(enrollments_query().where(Enrollment.id == enrollment_id))
    if enrollment is None or enrollment.user_id != user.id:
        raise NotFound("We could not find that enrollment.")
    return enrollment


def framework_of(session: Session, enrollment: Enrollment) -> Framework:
    """The enrollment's framework version with its sets and competencies loaded."""
    framework = get_framework_by_id(session, enrollment.framework_id)
    assert framework is not None  # a foreign key
    return framework


def choose_electives(
    session: Session,
    enrollment: Enrollment,
    codes: list[str],
    *,
    actor: User,
    today: date | None = None,
) -> None:
    """Take exactly the electives the rules ask for (domain.enrollment.electives). An elective
    may be dropped while nothing was submitted for it, or once its portfolio closed as not met
    (it then stays on record, dropped); Conflict otherwise, and once the enrollment ended or its
    window closed. InvalidInput for a wrong count, a code not of this framework version, or a
    required set."""
    framework = framework_of(session, enrollment)
    rules = load_rules(framework)
    chosen = validate_electives(codes, [(s.code, s.kind.value) for s in framework.sets], rules)
    by_code = {s.code: s for s in framework.sets}
    required = {code for code, s in by_code.items() if s.kind == SetKind.REQUIRED}
    required |= set(rules.required_sets)
    current = {
        item.competency_set.code: item
        for item in enrollment.sets
        if item.competency_set.code not in required
    }
    dropped = [item for code, item in current.items() if code not in chosen]
    ever_submitted = _sets_with_submissions(session, [item.id for item in dropped])
    how = {
        # A reopened set is back in draft, but its past submissions must keep their set.
        item.id: elective_drop(item.status, ever_submitted=item.id in ever_submitted)
        for item in dropped
    }
    for item in dropped:
        if how[item.id] is ElectiveDrop.REFUSED:
            raise Conflict(
                f"You have submitted work for {item.competency_set.name}, so it stays one of "
                "your electives.",
                field="electives",
            )
    added = [code for code in chosen if code not in current]
    if not dropped and not added:
        return
    today = today or utcnow().date()
    if enrollment.status is not EnrollmentStatus.ACTIVE or enrollment.window_ends_on < today:
        raise Conflict(
            "Your enrollment has ended or its completion window has closed, so your electives "
            "can no longer change.",
            field="electives",
        )
    for item in dropped:
        if how[item.id] is ElectiveDrop.KEEP_ON_RECORD:
            item.dropped_on = today  # its submissions and outcome stay on record
        else:
            enrollment.sets.remove(item)
    enrollment.sets.extend(_taken_again(session, enrollment, [by_code[c].id for c in added]))
    session.flush()
    session.expire(enrollment, ["sets"])
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ENROLLMENT_ELECTIVES_CHOSEN,
        object_type="enrollment",
        object_id=enrollment.id,
        details={
            "electives": list(chosen),
            "added": added,
            "dropped": [item.competency_set.code for item in dropped],
        },
    )


def _taken_again(
    session: Session, enrollment: Enrollment, set_ids: list[int]
) -> list[EnrollmentSet]:
    """The sets to add as electives: one dropped before comes back as it was (closed, its
    history kept; a course may still meet it), any other is new."""
    earlier = {
        item.set_id: item
        for item in session.scalars(
            select(EnrollmentSet).where(
                EnrollmentSet.enrollment_id == enrollment.id,
                EnrollmentSet.dropped_on.is_not(None),
                EnrollmentSet.set_id.in_(set_ids),
            )
        )
    }
    for item in earlier.values():
        item.dropped_on = None
    return [earlier.get(set_id) or EnrollmentSet(set_id=set_id) for set_id in set_ids]


def get_own_enrollment_set(session: Session, user: User, set_id: int) -> EnrollmentSet:
    """One set of `user`'s enrollment; NotFound for anybody else's."""
    query = select(EnrollmentSet).join(Enrollment).where(EnrollmentSet.id == set_id)
    item = session.scalar(query.where(Enrollment.user_id == user.id))
    if item is None:
        raise NotFound("We could not find that competency set.")
    return item


def choose_route(
    session: Session,
    item: EnrollmentSet,
    *,
    route: str,
    actor: User,
    today: date | None = None,
) -> None:
    """Complete `item` by an approved course or a portfolio. The course itself is picked from
    the catalogue afterwards (services.courses.completions.choose_course), never typed in.

    Choosing the portfolio route makes the portfolio and an entry for each of the set's
    competencies now, so the pages that show them only ever read.

    InvalidInput for a missing or unknown value; Conflict once work for the set was submitted
    (the route is then fixed, except that a portfolio closed as not met may turn to a course:
    domain.enrollment.routes), for a course already completed or verified, and once the
    enrollment is decided or its completion window has ended.
    """
    enrollment = item.enrollment
    today = today or utcnow().date()
    if item.dropped_on is not None:
        raise Conflict("This set is no longer one of your electives.")
    if enrollment.status is not EnrollmentStatus.ACTIVE:
        raise Conflict("This enrollment has ended, so its routes and courses can no longer change.")
    if enrollment.window_ends_on < today:
        raise Conflict(
            f"Your completion window ended on {format_date(enrollment.window_ends_on)}, so routes "
            "and courses can no longer change. Contact the program office."
        )
    try:
        chosen = Route(route)
    except ValueError:
        chosen = Route.UNDECIDED
    if chosen not in (Route.COURSE, Route.PORTFOLIO):
        raise InvalidInput("Choose a course or a portfolio.", field="route")
    refusal = route_refusal(item.status, item.route.value, chosen.value)
    if refusal is not None:
        raise Conflict(refusal)
    if item.course_status == CourseStatus.VERIFIED:
        raise Conflict("This course is verified by the program office; it can no longer change.")
    if chosen != item.route and item.course_status == CourseStatus.COMPLETED:
        raise Conflict(
            "Your course completion is with the program office, so the route can no longer "
            "change until they have checked it."
        )
    before = {"route": item.route.value, "course_status": _value(item.course_status)}
    if chosen == Route.COURSE:
        if item.route != Route.COURSE:
            item.course_name = item.course_provider = ""
            item.course_version_id = None
            item.course_status = CourseStatus.PLANNED
    else:
        item.course_name = item.course_provider = ""
        item.course_version_id = None
        item.course_status = None
    item.route = chosen
    session.flush()
    if chosen == Route.PORTFOLIO:
        ensure_portfolio(session, enrollment)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ENROLLMENT_ROUTE_CHOSEN,
        object_type="enrollment_set",
        object_id=item.id,
        details={
            "before": before,
            "route": chosen.value,
            "course_name": item.course_name,
            "course_provider": item.course_provider,
            "course_status": _value(item.course_status),
        },
    )


def _value(status: CourseStatus | None) -> str | None:
    return status.value if status is not None else None


def _sets_with_submissions(session: Session, enrollment_set_ids: list[int]) -> set[int]:
    if not enrollment_set_ids:
        return set()
    query = select(Submission.enrollment_set_id).where(
        Submission.enrollment_set_id.in_(enrollment_set_ids)
    )
    return set(session.scalars(query))
