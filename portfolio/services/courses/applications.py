"""A provider's course applications: start a course for one set, edit its draft version (files
through the upload flow, the methods, the competency map), submit it with its fee owed, make a
new draft from a decided version, and ask for renewal. Only a draft is ever edited: a submitted
or approved version stays as it was judged. Everything flushes; the request commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.courses import approval
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.ids import is_row_id
from portfolio.domain.programs.rules import CourseApprovalRules
from portfolio.models import (
    CompetencySet,
    Course,
    CourseCompetencyMap,
    CourseFormat,
    CourseVersion,
    CourseVersionStatus,
    Framework,
    FrameworkStatus,
    Provider,
    Upload,
    UploadStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.courses import fees, notices
from portfolio.services.courses.rules import course_rules
from portfolio.services.uploads.access import own_attachable_upload

NOT_EDITABLE = {
    CourseVersionStatus.SUBMITTED: (
        "This version is submitted for approval, so it can no longer change."
    ),
    CourseVersionStatus.IN_REVIEW: "This version is being evaluated, so it can no longer change.",
    CourseVersionStatus.APPROVED: (
        "This version is approved and is never changed in place. Make a new version to change "
        "the course; the approved one stays in the catalogue until the new one is approved."
    ),
    CourseVersionStatus.RETURNED: (
        "This version was returned and stays as it was judged. Make a new version to apply again."
    ),
    CourseVersionStatus.EXPIRED: (
        "This version's approval has ended. Make a new version to apply again."
    ),
}
FILE_NOT_READY = {
    UploadStatus.PENDING: "This file is still being checked. Try again in a moment.",
    UploadStatus.REJECTED: "This file was refused when it was checked, so it cannot be used.",
    UploadStatus.BROKEN: "This file could not be found in storage. Upload it again.",
}
DOCUMENTS = ("syllabus", "resumes")
OPEN = (CourseVersionStatus.DRAFT, CourseVersionStatus.SUBMITTED, CourseVersionStatus.IN_REVIEW)


def sets_open_for_courses(session: Session) -> list[CompetencySet]:
    """The sets a course can be approved for: those of the newest published version of each
    program whose rules approve courses."""
    frameworks = session.scalars(
        select(Framework)
        .where(Framework.status == FrameworkStatus.PUBLISHED)
        .options(selectinload(Framework.sets))
        .order_by(Framework.slug, Framework.version.desc())
    ).all()
    newest: dict[str, Framework] = {}
    for framework in frameworks:
        newest.setdefault(framework.slug, framework)
    return [
        s
        for framework in newest.values()
        if course_rules(framework, required=False) is not None
        for s in framework.sets
    ]


def start_course(
    session: Session, provider: Provider, *, set_id: object, title: object, actor: User
) -> CourseVersion:
    """A new course of `provider` for one set, with its first draft version (audited)."""
    open_sets = {s.id: s for s in sets_open_for_courses(session)}
    if not is_row_id(set_id) or set_id not in open_sets:
        raise InvalidInput("Choose the competency set the course covers.", field="set_id")
    chosen = open_sets[set_id]
    name = approval.clean_text(
        title, field="title", label="the course's title", limit=approval.MAX_TITLE, required=True
    )
    course = Course(
        provider=provider,
        framework_slug=chosen.framework.slug,
        set_code=chosen.code,
        created_by_id=actor.id,
    )
    version = CourseVersion(
        course=course,
        number=1,
        competency_set=chosen,
        title=name,
        format=CourseFormat.ONLINE,
        created_by_id=actor.id,
    )
    session.add_all([course, version])
    session.flush()
    _record(session, version, actor, AuditAction.COURSE_VERSION_CREATED)
    return version


def require_editable(version: CourseVersion) -> None:
    if version.status is not CourseVersionStatus.DRAFT:
        raise Conflict(NOT_EDITABLE[version.status])


def save_draft(
    session: Session,
    version: CourseVersion,
    *,
    fields: Mapping[str, object],
    course_map: Mapping[int, approval.MapEntry],
    actor: User,
) -> None:
    """Save the draft's details and competency map (a missing cell is saved as empty).

    Conflict unless it is a draft; InvalidInput listing every bad field; NotFound for a map row
    of a competency outside the course's set."""
    require_editable(version)
    problems: dict[str, str] = {}
    texts = {
        "title": ("the course's title", approval.MAX_TITLE, True),
        "description": ("the description", approval.MAX_TEXT, False),
        "instructional_methods": ("the instructional methods", approval.MAX_TEXT, False),
        "assessment_methods": ("the assessment methods", approval.MAX_TEXT, False),
    }
    cleaned: dict[str, str] = {}
    for name, (label, limit, required) in texts.items():
        try:
            cleaned[name] = approval.clean_text(
                fields.get(name), field=name, label=label, limit=limit, required=required
            )
        except InvalidInput as exc:
            problems[name] = exc.message
    try:
        chosen_format = CourseFormat(str(fields.get("format")))
    except ValueError:
        problems["format"] = "Choose online, in person or hybrid."
    competencies = {c.id: c for c in version.competency_set.competencies}
    for competency_id, entry in course_map.items():
        if competency_id not in competencies:
            raise NotFound("That competency is not part of this course's set.")
        for part in ("readings", "assignments", "assessments"):
            if len(getattr(entry, part)) > approval.MAX_MAP_TEXT:
                code = competencies[competency_id].code
                problems[f"map-{competency_id}-{part}"] = (
                    f"Use at most {approval.MAX_MAP_TEXT:,} characters for the {part} of {code}."
                )
    if problems:
        raise InvalidInput.listing(problems)
    version.title = cleaned["title"]
    version.description = cleaned["description"]
    version.instructional_methods = cleaned["instructional_methods"]
    version.assessment_methods = cleaned["assessment_methods"]
    version.format = chosen_format
    version.synchronous = fields.get("synchronous") in (True, "y", "yes", "on", "true", "1")
    rows = {row.competency_id: row for row in version.competency_map}
    for competency_id, entry in course_map.items():
        row = rows.get(competency_id)
        if row is None:
            row = CourseCompetencyMap(competency_id=competency_id)
            version.competency_map.append(row)
        row.readings = entry.readings.strip()
        row.assignments = entry.assignments.strip()
        row.assessments = entry.assessments.strip()
    session.flush()


def attach_document(
    session: Session, version: CourseVersion, *, which: str, upload_id: object, actor: User
) -> Upload:
    """Use a verified upload of `actor`'s as the draft's syllabus or résumés.

    NotFound for an upload that is missing or not theirs; InvalidInput for one not verified."""
    require_editable(version)
    if which not in DOCUMENTS:
        raise NotFound("We could not find that document.")
    upload = own_attachable_upload(session, upload_id, actor.id)
    if upload is None:
        raise NotFound("We could not find that file.")
    if upload.status is not UploadStatus.VERIFIED:
        raise InvalidInput(FILE_NOT_READY[upload.status], field=which)
    setattr(version, which, upload)  # the relationship named like the document
    session.flush()
    return upload


def application_of(version: CourseVersion) -> approval.Application:
    entries = {
        row.competency.code: approval.MapEntry(row.readings, row.assignments, row.assessments)
        for row in version.competency_map
    }
    return approval.Application(
        set_code=version.competency_set.code,
        title=version.title,
        has_syllabus=_verified(version.syllabus),
        has_resumes=_verified(version.resumes),
        instructional_methods=version.instructional_methods,
        assessment_methods=version.assessment_methods,
        competencies=tuple(
            approval.CompetencyRef(c.code, c.title) for c in version.competency_set.competencies
        ),
        entries=entries,
    )


def submit_version(session: Session, version: CourseVersion, *, actor: User, today: date) -> None:
    """Send the draft for approval: frozen from now on, with the approval fee owed (ledger).

    InvalidInput listing everything missing (every competency must be mapped); Conflict
    unless it is a draft."""
    require_editable(version)
    rules = _rules(version)
    problems = approval.submission_problems(application_of(version))
    if problems:
        raise InvalidInput.listing(problems)
    version.status = CourseVersionStatus.SUBMITTED
    version.submitted_at = utcnow()
    version.submitted_by_id = actor.id
    session.flush()
    fee = fees.charge_approval(session, version, rules, actor=actor, today=today)
    _record(session, version, actor, AuditAction.COURSE_VERSION_SUBMITTED, fee_cents=fee)
    notices.tell_provider(
        session,
        version,
        subject=f"Course submitted for approval: {version.title}",
        body=(
            f"{version.title} ({version.competency_set.code}) was submitted for approval. "
            f"{fees.owed_sentence(fee, rules)} Course evaluators will now judge it against the "
            "course-approval rubric; you will hear when the program office decides."
        ),
    )


def new_version(session: Session, version: CourseVersion, *, actor: User) -> CourseVersion:
    """A new draft copied from a decided version (its files, methods and map): how an approved
    or returned course changes. Conflict while the course has a version open already."""
    course = version.course
    if version.status in OPEN:
        raise Conflict(
            "This version is still open; edit it, or wait for the office's decision."
            if version.status is not CourseVersionStatus.DRAFT
            else "This version is a draft: change it directly."
        )
    if any(v.status in OPEN for v in course.versions):
        raise Conflict("This course already has a version in progress. Open that one instead.")
    draft = CourseVersion(
        course=course,
        number=max(v.number for v in course.versions) + 1,
        set_id=version.set_id,
        title=version.title,
        description=version.description,
        format=version.format,
        synchronous=version.synchronous,
        syllabus_upload_id=version.syllabus_upload_id,
        resumes_upload_id=version.resumes_upload_id,
        instructional_methods=version.instructional_methods,
        assessment_methods=version.assessment_methods,
        created_by_id=actor.id,
        competency_map=[
            CourseCompetencyMap(
                competency_id=row.competency_id,
                readings=row.readings,
                assignments=row.assignments,
                assessments=row.assessments,
            )
            for row in version.competency_map
        ],
    )
    session.add(draft)
    session.flush()
    _record(session, draft, actor, AuditAction.COURSE_VERSION_CREATED, copied_from=version.id)
    return draft


def request_renewal(session: Session, version: CourseVersion, *, actor: User, today: date) -> None:
    """Ask for another approval term; the renewal fee is owed (ledger). Conflict unless the
    version is approved, its approval has not ended and no renewal is already waiting.

    Renewal continues an approval: granted, the new term starts where the current one ends, so
    the course's credit period stays one unbroken stretch of dates (completion_dates). Once the
    approval has ended, completions made after it no longer count, and the course applies
    again (a new version), which starts a new term from its own approval date."""
    if version.status is not CourseVersionStatus.APPROVED:
        raise Conflict("Only an approved course can be renewed.")
    if approval.approval_ended(version.approved_until, today):
        assert version.approved_until is not None
        raise Conflict(
            f"The approval of this course ended on {format_date(version.approved_until)}, so "
            "it can no longer be renewed. To offer the course again, make a new version and "
            "submit it for approval."
        )
    if version.renewal_requested_at is not None:
        raise Conflict("A renewal of this course is already waiting for the program office.")
    rules = _rules(version)
    version.renewal_requested_at = utcnow()
    session.flush()
    fee = fees.charge_renewal(session, version, rules, actor=actor, today=today)
    _record(session, version, actor, AuditAction.COURSE_RENEWAL_REQUESTED, fee_cents=fee)


def versions_of(session: Session, provider: Provider) -> list[CourseVersion]:
    """Every version of the provider's courses, course by course, newest version first."""
    return list(
        session.scalars(
            select(CourseVersion)
            .join(Course, Course.id == CourseVersion.course_id)
            .where(Course.provider_id == provider.id)
            .options(selectinload(CourseVersion.competency_set))
            .order_by(Course.id, CourseVersion.number.desc())
        )
    )


def own_version(session: Session, provider_ids: set[int], version_id: int) -> CourseVersion:
    """The version if it is a course of one of `provider_ids`; NotFound otherwise."""
    version = session.get(CourseVersion, version_id)
    if version is None or version.course.provider_id not in provider_ids:
        raise NotFound("We could not find that course.")
    return version


def _verified(upload: Upload | None) -> bool:
    return upload is not None and upload.status is UploadStatus.VERIFIED


def _rules(version: CourseVersion) -> CourseApprovalRules:
    rules = course_rules(version.competency_set.framework, required=True)
    assert rules is not None
    return rules


def _record(
    session: Session, version: CourseVersion, actor: User, action: AuditAction, **extra: object
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="course_version",
        object_id=version.id,
        details={
            "course_id": version.course_id,
            "number": version.number,
            "provider_id": version.course.provider_id,
            "set_code": version.competency_set.code,
            "title": version.title,
            **extra,
        },
    )
