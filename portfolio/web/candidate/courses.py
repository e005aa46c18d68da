"""The course route of one set: pick an approved course from the catalogue, then report its
completion with proof (a verified upload); or, for a recognised college program, hand in the
transcript. Every id is loaded as the candidate's own (404 otherwise)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portfolio.domain.courses.catalogue import FORMATS
from portfolio.domain.errors import DomainError
from portfolio.extensions import db
from portfolio.models import CourseVersion, EnrollmentSet, TranscriptProof, User
from portfolio.services.courses import catalogue, completions, recognition
from portfolio.services.enrollment import enroll
from portfolio.web import clock
from portfolio.web.candidate import bp
from portfolio.web.params import is_small_int


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _day(raw: str) -> date | None:
    raw = raw.strip()
    if len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _id(name: str) -> int | None:
    raw = request.form.get(name, "")
    return int(raw) if is_small_int(raw) else None


def _course_page(
    item: EnrollmentSet, *, error: str = "", field: str = "", values: dict[str, str] | None = None
) -> str:
    today = clock.today()
    framework = item.enrollment.framework
    chosen = (
        db.session.get(CourseVersion, item.course_version_id) if item.course_version_id else None
    )
    history = completions.completions_of(db.session, item)
    return render_template(
        "candidate/course.html",
        item=item,
        courses=catalogue.for_set(db.session, framework.slug, item.competency_set.code, today),
        chosen=chosen,
        period=completions.credit_period_for(framework, chosen),
        history=history,
        pending=any(c.status.value in ("reported", "verified") for c in history),
        formats=FORMATS,
        error=error,
        error_field=field,
        values=values or {},
    )


@bp.get("/enrollment-sets/<int:set_id>/course")
def course(set_id: int) -> str:
    item = enroll.get_own_enrollment_set(db.session, _me(), set_id)
    return _course_page(item)


def _failed(set_id: int, exc: DomainError, values: dict[str, str]) -> tuple[str, int]:
    db.session.rollback()  # the page shows what is stored, not a half-made change
    item = enroll.get_own_enrollment_set(db.session, _me(), set_id)
    return _course_page(item, error=exc.message, field=exc.field or "", values=values), exc.status


@bp.post("/enrollment-sets/<int:set_id>/course")
def choose_course(set_id: int) -> Response | tuple[str, int]:
    item = enroll.get_own_enrollment_set(db.session, _me(), set_id)
    try:
        version = completions.choose_course(
            db.session, item, _id("course_version_id"), actor=_me(), today=clock.today()
        )
    except DomainError as exc:
        return _failed(set_id, exc, {})
    flash(f"{item.competency_set.name}: you chose {version.title}.", "success")
    return redirect(url_for("candidate.course", set_id=set_id, _anchor="completion"))


@bp.post("/enrollment-sets/<int:set_id>/completion")
def report_completion(set_id: int) -> Response | tuple[str, int]:
    item = enroll.get_own_enrollment_set(db.session, _me(), set_id)
    values = {"completed_on": request.form.get("completed_on", "")[:20]}
    try:
        completions.report_completion(
            db.session,
            item,
            completed_on=_day(values["completed_on"]),
            upload_id=_id("upload_id"),
            actor=_me(),
            today=clock.today(),
        )
    except DomainError as exc:
        return _failed(set_id, exc, values)
    flash(
        "Your completion is reported. The program office checks your proof and emails you.",
        "success",
    )
    return redirect(url_for("candidate.course", set_id=set_id))


# --- recognised programs --------------------------------------------------------------------


def _transcript_page(
    item: EnrollmentSet, *, error: str = "", field: str = "", values: dict[str, str] | None = None
) -> str:
    proofs = list(
        db.session.scalars(
            select(TranscriptProof)
            .where(TranscriptProof.enrollment_set_id == item.id)
            .order_by(TranscriptProof.id.desc())
        )
    )
    return render_template(
        "candidate/transcript.html",
        item=item,
        agreements=recognition.agreements_for_set(db.session, item),
        proofs=proofs,
        error=error,
        error_field=field,
        values=values or {},
    )


@bp.get("/enrollment-sets/<int:set_id>/transcript")
def transcript(set_id: int) -> str:
    item = enroll.get_own_enrollment_set(db.session, _me(), set_id)
    return _transcript_page(item)


@bp.post("/enrollment-sets/<int:set_id>/transcript")
def report_transcript(set_id: int) -> Response | tuple[str, int]:
    item = enroll.get_own_enrollment_set(db.session, _me(), set_id)
    values = {
        "graduated_on": request.form.get("graduated_on", "")[:20],
        "agreement_id": request.form.get("agreement_id", "")[:12],
    }
    try:
        recognition.report_transcript(
            db.session,
            item,
            agreement_id=_id("agreement_id"),
            graduated_on=_day(values["graduated_on"]),
            upload_id=_id("upload_id"),
            actor=_me(),
            today=clock.today(),
        )
    except DomainError as exc:
        db.session.rollback()
        item = enroll.get_own_enrollment_set(db.session, _me(), set_id)
        page = _transcript_page(item, error=exc.message, field=exc.field or "", values=values)
        return page, exc.status
    flash("Your transcript is handed in. The program office checks it and emails you.", "success")
    return redirect(url_for("candidate.transcript", set_id=set_id))
