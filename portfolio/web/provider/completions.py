"""A provider reports one completion of one of its own courses (it counts at once)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from portfolio.domain.errors import DomainError
from portfolio.extensions import db
from portfolio.models import (
    CompletionSource,
    Course,
    CourseCompletion,
    CourseVersion,
    Enrollment,
    EnrollmentSet,
    Provider,
    User,
)
from portfolio.services.courses import completions, providers
from portfolio.web import clock
from portfolio.web.params import is_small_int
from portfolio.web.provider import bp

RECENT = 50


def me() -> User:
    user: User = current_user._get_current_object()
    return user


def parse_day(raw: str) -> date | None:
    raw = raw.strip()
    if len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def reportable_courses(provider: Provider) -> list[tuple[Course, CourseVersion]]:
    """The provider's courses that have an approved version, each with its newest one. One
    whose approval has ended stays: completions made while it was approved still count."""
    found = []
    for course in provider.courses:
        approved = [v for v in course.versions if v.approved_on is not None]
        if approved:
            found.append((course, approved[-1]))
    return found


def _recent(provider: Provider) -> list[CourseCompletion]:
    return list(
        db.session.scalars(
            select(CourseCompletion)
            .join(CourseVersion, CourseVersion.id == CourseCompletion.course_version_id)
            .join(Course, Course.id == CourseVersion.course_id)
            .where(
                Course.provider_id == provider.id,
                CourseCompletion.source == CompletionSource.PROVIDER_REPORT,
            )
            .order_by(CourseCompletion.id.desc())
            .limit(RECENT)
            .options(
                joinedload(CourseCompletion.course_version),
                joinedload(CourseCompletion.enrollment_set)
                .joinedload(EnrollmentSet.enrollment)
                .joinedload(Enrollment.user),
            )
        )
    )


@bp.get("/provider/completions")
def my_providers() -> str | Response:
    mine = providers.providers_of(db.session, me())
    if len(mine) == 1:
        return redirect(url_for("provider.completions_page", slug=mine[0].slug))
    return render_template("provider/providers.html", providers=mine)


def _page(
    provider: Provider, *, error: str = "", field: str = "", values: dict[str, str] | None = None
) -> str:
    return render_template(
        "provider/completions.html",
        provider=provider,
        courses=reportable_courses(provider),
        recent=_recent(provider),
        error=error,
        error_field=field,
        values=values or {},
    )


@bp.get("/provider/<slug>/completions")
def completions_page(slug: str) -> str:
    provider = providers.own_provider_by_slug(db.session, me(), slug)
    return _page(provider)


@bp.post("/provider/<slug>/completions")
def report_completion(slug: str) -> Response | tuple[str, int]:
    provider = providers.own_provider_by_slug(db.session, me(), slug)
    values = {
        key: request.form.get(key, "")[:300] for key in ("candidate", "course_id", "completed_on")
    }
    course_raw = values["course_id"]
    try:
        report = completions.report_one(
            db.session,
            provider,
            candidate_key=values["candidate"],
            course_id=int(course_raw) if is_small_int(course_raw) else None,
            completed_on=parse_day(values["completed_on"]),
            actor=me(),
            today=clock.today(),
        )
    except DomainError as exc:
        db.session.rollback()
        provider = providers.own_provider_by_slug(db.session, me(), slug)
        return _page(provider, error=exc.message, field=exc.field or "", values=values), exc.status
    who = report.completion.enrollment_set.enrollment.user.name
    title = report.completion.course_version.title
    if report.recorded:
        flash(f"Recorded: {who} completed {title}. It meets their set now.", "success")
    else:
        flash(f"{who}'s completion of {title} was already on record; nothing changed.", "info")
    return redirect(url_for("provider.completions_page", slug=provider.slug))
