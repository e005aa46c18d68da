"""Course evidence: a candidate picks an approved course from the catalogue for one set and
reports its completion with proof (the office verifies it), or a provider reports a completion
of one of its own courses (which counts at once). Everything here flushes; the edge commits.

EnrollmentSet keeps the course's standing (course_status) so every screen and the evaluation
rule read one field; the CourseCompletion rows are the evidence behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.courses.completion_dates import (
    CreditPeriod,
    completion_refusal,
    credit_period,
)
from portfolio.domain.dates import format_date
from portfolio.domain.enrollment.routes import route_refusal
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.ids import is_row_id
from portfolio.domain.notifications import Kind
from portfolio.models import (
    CompletionSource,
    CompletionStatus,
    Course,
    CourseCompletion,
    CourseStatus,
    CourseVersion,
    CourseVersionStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Framework,
    Provider,
    RosterImport,
    Route,
    UploadStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.certification import evaluation
from portfolio.services.links import page_url
from portfolio.services.notifications import notify
from portfolio.services.programs.versions import load_rules
from portfolio.services.uploads.access import own_attachable_upload

UPLOAD_NOT_READY = {
    UploadStatus.PENDING: "This file is still being checked. Try again in a moment.",
    UploadStatus.REJECTED: "This file was refused when it was checked, so it cannot be proof.",
    UploadStatus.BROKEN: "This file could not be found in storage. Upload it again.",
}
COUNTING = (CompletionStatus.REPORTED, CompletionStatus.VERIFIED)
LOOKUP_CHUNK = 500  # ids or addresses per IN (...) list


def retroactive_years(framework: Framework) -> int:
    rules = load_rules(framework).courses
    if rules is None:
        raise Conflict("This program approves no courses, so none can meet its sets.")
    return rules.retroactive_years


def period_of(version: CourseVersion, years: int) -> CreditPeriod | None:
    if version.approved_on is None or version.approved_until is None:
        return None
    return credit_period(version.approved_on, version.approved_until, years)


def credit_period_for(framework: Framework, version: CourseVersion | None) -> CreditPeriod | None:
    """When completions of `version` count under `framework`'s rules (None: they never do)."""
    rules = load_rules(framework).courses
    if rules is None or version is None:
        return None
    return period_of(version, rules.retroactive_years)


def _framework(item: EnrollmentSet) -> Framework:
    return item.enrollment.framework


def _require_open(item: EnrollmentSet, today: date) -> None:
    enrollment = item.enrollment
    if item.dropped_on is not None:
        raise Conflict("This set is no longer one of the candidate's electives.")
    if enrollment.status is not EnrollmentStatus.ACTIVE:
        raise Conflict("This enrollment has ended, so its courses can no longer change.")
    if enrollment.window_ends_on < today:
        raise Conflict(
            f"The completion window ended on {format_date(enrollment.window_ends_on)}, so "
            "courses can no longer change. Contact the program office."
        )


def choose_course(
    session: Session, item: EnrollmentSet, version_id: object, *, actor: User, today: date
) -> CourseVersion:
    """The candidate takes the set by an approved course picked from the catalogue (never a
    name typed in). InvalidInput for a course that is not approved for this set today;
    Conflict when the route cannot change or the course is already verified."""
    _require_open(item, today)
    version = session.get(CourseVersion, version_id) if is_row_id(version_id) else None
    framework = _framework(item)
    if (
        version is None
        or version.status is not CourseVersionStatus.APPROVED
        or version.course.framework_slug != framework.slug
        or version.course.set_code != item.competency_set.code
        or version.approved_on is None
        or version.approved_until is None
        or not (version.approved_on <= today <= version.approved_until)
    ):
        raise InvalidInput(
            f"Choose one of the approved courses for {item.competency_set.name} listed here.",
            field="course_version_id",
        )
    refusal = route_refusal(item.status, item.route.value, Route.COURSE.value)
    if refusal is not None:
        raise Conflict(refusal)
    if item.course_status in (CourseStatus.COMPLETED, CourseStatus.VERIFIED):
        raise Conflict(
            "Your completion of this set's course is already reported, so the course can no "
            "longer change."
        )
    before = {"route": item.route.value, "course_version_id": item.course_version_id}
    _take(item, version, CourseStatus.PLANNED)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_CHOSEN,
        object_type="enrollment_set",
        object_id=item.id,
        details={"before": before, "course_version_id": version.id, "title": version.title},
    )
    return version


def _take(item: EnrollmentSet, version: CourseVersion, status: CourseStatus) -> None:
    item.route = Route.COURSE
    item.course_version_id = version.id
    item.course_name = version.title[:200]
    item.course_provider = version.course.provider.name[:200]
    item.course_status = status


def completions_of(session: Session, item: EnrollmentSet) -> list[CourseCompletion]:
    return list(
        session.scalars(
            select(CourseCompletion)
            .where(CourseCompletion.enrollment_set_id == item.id)
            .order_by(CourseCompletion.id.desc())
        )
    )


def report_completion(
    session: Session,
    item: EnrollmentSet,
    *,
    completed_on: date | None,
    upload_id: object,
    actor: User,
    today: date,
) -> CourseCompletion:
    """The candidate reports completing their chosen course, with the signed completion form
    or certificate (a verified upload of theirs). It waits for the office's verification.

    InvalidInput for a missing or refused file, a missing date, or a date outside the course's
    approval period and its retroactive years; Conflict when no course is chosen or a
    completion is already reported."""
    _require_open(item, today)
    version = item.course_version_id and session.get(CourseVersion, item.course_version_id)
    if item.route is not Route.COURSE or not version:
        raise Conflict("Choose the course from the catalogue first.")
    if any(c.status in COUNTING for c in completions_of(session, item)):
        raise Conflict("Your completion of this course is already reported.")
    if completed_on is None:
        raise InvalidInput("Enter the date you completed the course.", field="completed_on")
    period = period_of(version, retroactive_years(_framework(item)))
    if period is None:
        raise Conflict("This course has no approval period, so it cannot count.")
    refusal = completion_refusal(completed_on, period, today)
    if refusal is not None:
        raise InvalidInput(refusal, field="completed_on")
    upload = own_attachable_upload(session, upload_id, actor.id)
    if upload is None:
        raise InvalidInput(
            "Upload your signed completion form or certificate first.", field="upload_id"
        )
    if upload.status is not UploadStatus.VERIFIED:
        raise InvalidInput(UPLOAD_NOT_READY[upload.status], field="upload_id")
    completion = CourseCompletion(
        enrollment_set_id=item.id,
        course_version_id=version.id,
        completed_on=completed_on,
        source=CompletionSource.CANDIDATE_UPLOAD,
        proof_upload_id=upload.id,
        status=CompletionStatus.REPORTED,
        reported_by_id=actor.id,
    )
    session.add(completion)
    item.course_status = CourseStatus.COMPLETED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_COMPLETION_REPORTED,
        object_type="course_completion",
        object_id=completion.id,
        details={
            "enrollment_set_id": item.id,
            "course_version_id": version.id,
            "completed_on": completed_on.isoformat(),
            "source": CompletionSource.CANDIDATE_UPLOAD.value,
            "upload_id": upload.id,
        },
    )
    return completion


# --- a provider's reports -------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderReport:
    """What one reported completion did: recorded now, or already on record (nothing changed)."""

    completion: CourseCompletion
    recorded: bool


def version_for_date(
    session: Session, course: Course, completed_on: date, today: date, years: int | None = None
) -> CourseVersion:
    """The approved version of `course` whose period (with retroactive credit) includes
    `completed_on`, the newest first; InvalidInput saying why none does."""
    versions = [
        v
        for v in reversed(course.versions)
        if v.status in (CourseVersionStatus.APPROVED, CourseVersionStatus.EXPIRED)
        and v.approved_on is not None
    ]
    if not versions:
        raise InvalidInput("This course is not approved, so its completions cannot count.")
    if years is None:
        years = retroactive_years_of(session, course)
    refusal = None
    for version in versions:
        period = period_of(version, years)
        assert period is not None
        refusal = completion_refusal(completed_on, period, today)
        if refusal is None:
            return version
        refusal = refusal if refusal else None
    assert refusal is not None
    raise InvalidInput(refusal, field="completed_on")


def retroactive_years_of(session: Session, course: Course) -> int:
    """The retroactive credit of the newest version of the course's program."""
    framework = session.scalar(
        select(Framework)
        .where(Framework.slug == course.framework_slug)
        .order_by(Framework.version.desc())
        .limit(1)
    )
    return retroactive_years(framework) if framework is not None else 0


def candidate_key(raw: str) -> str:
    """An email address (lower-cased) or an enrollment number (its digits, no leading zeros);
    InvalidInput for anything else."""
    key = raw.strip()
    if "@" in key:
        return key.lower()
    if key.isascii() and key.isdecimal() and len(key) <= 9:
        return str(int(key))
    raise InvalidInput(
        "Enter the candidate's email address or enrollment number.", field="candidate"
    )


def enrollments_for(
    session: Session, framework_slug: str, keys: Iterable[str]
) -> dict[str, list[Enrollment]]:
    """The enrollments in the program of each candidate key (from candidate_key), the newest
    first, with their sets loaded: a few queries for a whole roster."""
    emails = sorted({key for key in keys if "@" in key})
    numbers = sorted({int(key) for key in keys if "@" not in key})
    base = (
        select(Enrollment)
        .join(Framework, Framework.id == Enrollment.framework_id)
        .join(User, User.id == Enrollment.user_id)
        .where(Framework.slug == framework_slug)
        .options(
            joinedload(Enrollment.user),
            selectinload(Enrollment.sets).joinedload(EnrollmentSet.competency_set),
        )
        .order_by(Enrollment.id.desc())
    )
    found: dict[str, list[Enrollment]] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        for enrollment in session.scalars(base.where(User.email.in_(chunk))).unique():
            found.setdefault(enrollment.user.email, []).append(enrollment)
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        ids = numbers[start : start + LOOKUP_CHUNK]
        for enrollment in session.scalars(base.where(Enrollment.id.in_(ids))).unique():
            found.setdefault(str(enrollment.id), []).append(enrollment)
    return found


def pick_set(enrollments: list[Enrollment], course: Course, key: str) -> EnrollmentSet:
    """The set of the candidate's enrollment (an active one first) that `course` would meet;
    InvalidInput when there is no such candidate or they do not take the course's set."""
    who = f"the email address {key}" if "@" in key else f"the enrollment number {key}"
    if not enrollments:
        raise InvalidInput(f"No candidate enrolled in this program has {who}.", field="candidate")
    active = [e for e in enrollments if e.status is EnrollmentStatus.ACTIVE] or enrollments
    for enrollment in active:
        for item in enrollment.sets:
            if item.competency_set.code == course.set_code:
                return item
    raise InvalidInput(
        f"The candidate with {who} does not take the {course.set_code} set; they must choose "
        "it as an elective first.",
        field="candidate",
    )


def candidate_set(session: Session, course: Course, raw_key: str) -> EnrollmentSet:
    """The set of one candidate (email address or enrollment number) that `course` would meet."""
    key = candidate_key(raw_key)
    found = enrollments_for(session, course.framework_slug, [key])
    return pick_set(found.get(key, []), course, key)


def verified_course_pairs(session: Session, set_ids: list[int]) -> set[tuple[int, int]]:
    """(enrollment set id, course id) of the verified completions of these sets."""
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(set_ids), LOOKUP_CHUNK):
        rows = session.execute(
            select(CourseCompletion.enrollment_set_id, CourseVersion.course_id)
            .join(CourseVersion, CourseVersion.id == CourseCompletion.course_version_id)
            .where(
                CourseCompletion.enrollment_set_id.in_(set_ids[start : start + LOOKUP_CHUNK]),
                CourseCompletion.status == CompletionStatus.VERIFIED,
            )
        )
        pairs.update((set_id, course_id) for set_id, course_id in rows)
    return pairs


def record_provider_completion(
    session: Session,
    provider: Provider,
    item: EnrollmentSet,
    course: Course,
    completed_on: date,
    *,
    actor: User,
    today: date,
    roster_import: RosterImport | None = None,
    years: int | None = None,
) -> ProviderReport:
    """A provider's report that the candidate of `item` completed `course` on `completed_on`:
    it counts at once (the set is met by the course). A completion already on record for the
    same course and set changes nothing. InvalidInput naming the problem otherwise.

    Within a roster import (`roster_import`), the import has checked for completions on record
    already, and it flushes, audits and evaluates once for the whole file."""
    if course.provider_id != provider.id:
        raise NotFound("That course is not one of your courses.")
    if item.competency_set.code != course.set_code:
        raise InvalidInput("The course is for another set.", field="course")
    # The date is checked first: a date that cannot be right is refused even when a completion
    # is on record already, rather than called a report that changed nothing.
    version = version_for_date(session, course, completed_on, today, years)
    existing = (
        None
        if roster_import is not None
        else session.scalar(
            select(CourseCompletion)
            .join(CourseVersion, CourseVersion.id == CourseCompletion.course_version_id)
            .where(
                CourseCompletion.enrollment_set_id == item.id,
                CourseVersion.course_id == course.id,
                CourseCompletion.status == CompletionStatus.VERIFIED,
            )
            .limit(1)
        )
    )
    if existing is not None:
        return ProviderReport(existing, recorded=False)
    enrollment = item.enrollment
    if enrollment.status is not EnrollmentStatus.ACTIVE:
        raise InvalidInput("The candidate's enrollment has ended.", field="candidate")
    if item.dropped_on is not None:
        raise InvalidInput("The candidate no longer takes this set.", field="candidate")
    if item.course_status is CourseStatus.VERIFIED or (
        item.route is Route.PORTFOLIO and item.status.value == "met"
    ):
        raise InvalidInput("The candidate has already met this set.", field="candidate")
    refusal = route_refusal(item.status, item.route.value, Route.COURSE.value)
    if refusal is not None:
        raise InvalidInput(f"The candidate's set cannot take a course now: {refusal}")
    now = utcnow()
    completion = CourseCompletion(
        enrollment_set_id=item.id,
        course_version_id=version.id,
        completed_on=completed_on,
        source=CompletionSource.PROVIDER_REPORT,
        status=CompletionStatus.VERIFIED,
        reported_by_id=actor.id,
        reported_at=now,
        verified_by_id=actor.id,
        verified_at=now,
        roster_import_id=roster_import.id if roster_import is not None else None,
    )
    session.add(completion)
    _take(item, version, CourseStatus.VERIFIED)
    _tell_recorded(session, item, version, provider, completed_on)
    if roster_import is not None:
        return ProviderReport(completion, recorded=True)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_COMPLETION_REPORTED,
        object_type="course_completion",
        object_id=completion.id,
        details={
            "enrollment_set_id": item.id,
            "course_version_id": version.id,
            "completed_on": completed_on.isoformat(),
            "source": CompletionSource.PROVIDER_REPORT.value,
            "provider_id": provider.id,
        },
    )
    evaluation.evaluate_enrollment(session, enrollment, today, actor=actor)
    return ProviderReport(completion, recorded=True)


def own_course(session: Session, provider: Provider, course_key: str) -> Course:
    """One of `provider`'s courses, by its catalogue number or the exact title of a version.
    NotFound for another provider's course; InvalidInput for no such course."""
    key = course_key.strip()
    if key.isascii() and key.isdecimal() and len(key) <= 9:
        course = session.get(Course, int(key))
        if course is not None and course.provider_id != provider.id:
            raise NotFound(
                f"Course {key} is not one of {provider.name}'s courses: a provider reports "
                "completions of its own courses only."
            )
        if course is not None:
            return course
    else:
        for course in provider.courses:
            if any(v.title.casefold() == key.casefold() for v in course.versions):
                return course
    raise InvalidInput(
        f"{provider.name} has no course numbered or titled “{key[:80]}”.", field="course"
    )


def report_one(
    session: Session,
    provider: Provider,
    *,
    candidate_key: str,
    course_id: object,
    completed_on: date | None,
    actor: User,
    today: date,
) -> ProviderReport:
    """The provider's form: one completion of one of its courses."""
    course = session.get(Course, course_id) if is_row_id(course_id) else None
    if course is None or course.provider_id != provider.id:
        raise NotFound("That course is not one of your courses.")
    if completed_on is None:
        raise InvalidInput(
            "Enter the date the candidate completed the course.", field="completed_on"
        )
    item = candidate_set(session, course, candidate_key)
    return record_provider_completion(
        session, provider, item, course, completed_on, actor=actor, today=today
    )


def _tell_recorded(
    session: Session,
    item: EnrollmentSet,
    version: CourseVersion,
    provider: Provider,
    completed_on: date,
) -> None:
    candidate = item.enrollment.user
    notify(
        session,
        user=candidate,
        kind=Kind.OUTCOME,
        link="/me/",
        subject=f"Your course is recorded: {item.competency_set.name}",
        body=(
            f"Hello {candidate.name},\n\n{provider.name} reported that you completed "
            f"{version.title} on {format_date(completed_on)}. It meets "
            f"{item.competency_set.name} in your certification.\n\n"
            f"{page_url('/me/') or 'Sign in to Portfolio to see your progress.'}"
        ),
    )
