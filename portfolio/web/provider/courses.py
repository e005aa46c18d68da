"""A provider's courses: the list, starting a course, editing a draft version, submitting it,
making a new version of a decided one, and asking for renewal.

Each view loads the version through applications.own_version, which answers 404 for a course
of a provider the signed-in person does not act for.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.courses import fee_ledger
from portfolio.domain.courses.approval import MapEntry
from portfolio.domain.errors import Conflict, DomainError, InvalidInput
from portfolio.extensions import db
from portfolio.models import CourseFormat, CourseVersion, Provider
from portfolio.services.courses import applications, fees, providers
from portfolio.services.courses.rules import course_rules
from portfolio.web import clock
from portfolio.web.provider import bp, current_member

FORMATS = (
    (CourseFormat.ONLINE, "Online"),
    (CourseFormat.IN_PERSON, "In person"),
    (CourseFormat.HYBRID, "Hybrid"),
)
TEXT_FIELDS = ("title", "description", "instructional_methods", "assessment_methods")
MAP_PARTS = ("readings", "assignments", "assessments")


def _my_provider_ids() -> set[int]:
    return {p.id for p in providers.providers_of(db.session, current_member())}


def _load(version_id: int) -> CourseVersion:
    return applications.own_version(db.session, _my_provider_ids(), version_id)


@bp.get("/provider/")
def home() -> str:
    mine = providers.providers_of(db.session, current_member())
    listing = []
    for provider in mine:
        ledger = fees.ledger(db.session, provider)
        listing.append(
            (
                provider,
                applications.versions_of(db.session, provider),
                fees.balance_cents(ledger),
            )
        )
    return render_template("provider/home.html", listing=listing, dollars=fee_ledger.dollars)


@bp.get("/provider/<int:provider_id>/courses/new")
def new_course_form(provider_id: int) -> str:
    provider = providers.own_provider(db.session, current_member(), provider_id)
    return _new_course_page(provider)


def _new_course_page(
    provider: Provider, problems: Mapping[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    return (
        render_template(
            "provider/new_course.html",
            provider=provider,
            sets=applications.sets_open_for_courses(db.session),
            problems=problems or {},
            values=request.form,
        ),
        status,
    )


@bp.post("/provider/<int:provider_id>/courses")
def new_course(provider_id: int) -> Response | tuple[str, int]:
    provider = providers.own_provider(db.session, current_member(), provider_id)
    set_id = request.form.get("set_id", "")
    try:
        version = applications.start_course(
            db.session,
            provider,
            set_id=int(set_id) if set_id.isdigit() and len(set_id) < 10 else None,
            title=request.form.get("title", ""),
            actor=current_member(),
        )
    except InvalidInput as exc:
        return _new_course_page(provider, exc.problems, exc.status)
    flash("The course is started. Fill in its application, then submit it.", "success")
    return redirect(url_for("provider.course", version_id=version.id))


@bp.get("/provider/courses/<int:version_id>")
def course(version_id: int) -> tuple[str, int]:
    return _course_page(_load(version_id))


def _course_page(
    version: CourseVersion,
    *,
    problems: Mapping[str, str] | None = None,
    posted: bool = False,
    status: int = 200,
) -> tuple[str, int]:
    rules = course_rules(version.competency_set.framework, required=False)
    entries = fees.entries_of(db.session, version)
    return (
        render_template(
            "provider/course.html",
            fee_entries=entries,
            fees_owed=fees.balance_cents(entries),
            version=version,
            versions=version.course.versions,
            values=_values(version, posted),
            problems=problems or {},
            formats=FORMATS,
            rules=rules,
            dollars=fee_ledger.dollars,
            can_start_new=not any(v.status in applications.OPEN for v in version.course.versions),
        ),
        status,
    )


def _values(version: CourseVersion, posted: bool) -> dict[str, object]:
    """The form's values: what was just posted (shown again after an error), else the saved."""
    if posted:
        form = request.form
        values: dict[str, object] = {name: form.get(name, "") for name in TEXT_FIELDS}
        values["format"] = form.get("format", "")
        values["synchronous"] = bool(form.get("synchronous"))
        for competency in version.competency_set.competencies:
            for part in MAP_PARTS:
                key = f"map-{competency.id}-{part}"
                values[key] = form.get(key, "")
        return values
    values = {name: getattr(version, name) for name in TEXT_FIELDS}
    values["format"] = version.format.value
    values["synchronous"] = version.synchronous
    for row in version.competency_map:
        for part in MAP_PARTS:
            values[f"map-{row.competency_id}-{part}"] = getattr(row, part)
    return values


def _posted_map(version: CourseVersion) -> dict[int, MapEntry]:
    form = request.form
    return {
        c.id: MapEntry(*(form.get(f"map-{c.id}-{part}", "") for part in MAP_PARTS))
        for c in version.competency_set.competencies
    }


@bp.post("/provider/courses/<int:version_id>")
def save_course(version_id: int) -> Response | tuple[str, int]:
    version = _load(version_id)
    me = current_member()
    try:
        applications.save_draft(
            db.session,
            version,
            fields=request.form,
            course_map=_posted_map(version),
            actor=me,
        )
        for which in applications.DOCUMENTS:
            upload_id = request.form.get(f"{which}_upload_id", "")
            if upload_id:
                applications.attach_document(
                    db.session,
                    version,
                    which=which,
                    upload_id=int(upload_id) if upload_id.isdigit() and len(upload_id) < 10 else 0,
                    actor=me,
                )
    except DomainError as exc:
        if isinstance(exc, Conflict):
            raise
        return _course_page(
            version, problems=exc.problems or {"form": exc.message}, posted=True, status=exc.status
        )
    flash("The draft is saved.", "success")
    return redirect(url_for("provider.course", version_id=version.id))


@bp.post("/provider/courses/<int:version_id>/submit")
def submit_course(version_id: int) -> Response | tuple[str, int]:
    version = _load(version_id)
    try:
        applications.submit_version(
            db.session, version, actor=current_member(), today=clock.today()
        )
    except InvalidInput as exc:
        return _course_page(version, problems=exc.problems, status=exc.status)
    flash(
        f"{version.title} is submitted for approval. The approval fee is recorded as owed.",
        "success",
    )
    return redirect(url_for("provider.course", version_id=version.id))


@bp.post("/provider/courses/<int:version_id>/new-version")
def new_version(version_id: int) -> Response:
    draft = applications.new_version(db.session, _load(version_id), actor=current_member())
    flash(
        f"Version {draft.number} is a new draft, copied from the one you were reading.", "success"
    )
    return redirect(url_for("provider.course", version_id=draft.id))


@bp.post("/provider/courses/<int:version_id>/renewal")
def request_renewal(version_id: int) -> Response:
    version = _load(version_id)
    applications.request_renewal(db.session, version, actor=current_member(), today=clock.today())
    flash("Renewal requested. The renewal fee is recorded as owed.", "success")
    return redirect(url_for("provider.course", version_id=version.id))
