"""A person's own applications, enrollments (with their sets) and artifacts' details (the
portfolio's entries: web.api.entries; the portfolios and their statements: web.api.portfolios).

Lists hold only the token owner's things; one object by id answers 404 for anyone else's, as
the candidate's pages do (web.access.require_own)."""

from __future__ import annotations

from flask import request

from portfolio.domain.accounts.api_tokens import Scope
from portfolio.extensions import db
from portfolio.models import Application, Artifact, Enrollment
from portfolio.services.applications.own import own_applications
from portfolio.services.enrollment.own import find_enrollment, own_enrollments
from portfolio.services.portfolios.own import own_artifacts
from portfolio.web import access
from portfolio.web.api import bp, pages
from portfolio.web.api.auth import requires, token_owner
from portfolio.web.api.schemas import (
    ApplicationOut,
    ApplicationPage,
    ApplicationsQuery,
    ArtifactOut,
    ArtifactPage,
    EnrollmentOut,
    EnrollmentPage,
    EnrollmentSetOut,
    EnrollmentsQuery,
    OwnListQuery,
)
from portfolio.web.api.spec import answers, api_spec


@bp.get("/applications")
@api_spec.validate(query=ApplicationsQuery, resp=answers(ApplicationPage), tags=["applications"])
@requires(Scope.READ_APPLICATIONS)
def applications() -> ApplicationPage:
    """Your applications. Scope: read:applications."""
    asked = request.context.query  # type: ignore[attr-defined]
    query = own_applications(db.session, token_owner(), asked.status)
    page = pages.fetch("applications", query, asked, {"status": asked.status or ""})
    return ApplicationPage(items=[_application(a) for a in page.rows], next_cursor=page.next_cursor)


@bp.get("/applications/<int:application_id>")
@api_spec.validate(resp=answers(ApplicationOut), tags=["applications"])
@requires(Scope.READ_APPLICATIONS)
def application(application_id: int) -> ApplicationOut:
    """One of your applications. Scope: read:applications."""
    found = db.session.get(Application, application_id)
    return _application(access.owned(found, lambda a: a.user_id))


@bp.get("/enrollments")
@api_spec.validate(query=EnrollmentsQuery, resp=answers(EnrollmentPage), tags=["enrollments"])
@requires(Scope.READ_ENROLLMENTS)
def enrollments() -> EnrollmentPage:
    """Your enrollments, each with its competency sets, routes and statuses.
    Scope: read:enrollments."""
    asked = request.context.query  # type: ignore[attr-defined]
    query = own_enrollments(db.session, token_owner(), asked.status)
    page = pages.fetch("enrollments", query, asked, {"status": asked.status or ""})
    return EnrollmentPage(items=[_enrollment(e) for e in page.rows], next_cursor=page.next_cursor)


@bp.get("/enrollments/<int:enrollment_id>")
@api_spec.validate(resp=answers(EnrollmentOut), tags=["enrollments"])
@requires(Scope.READ_ENROLLMENTS)
def enrollment(enrollment_id: int) -> EnrollmentOut:
    """One of your enrollments. Scope: read:enrollments."""
    found = find_enrollment(db.session, enrollment_id)
    return _enrollment(access.owned(found, lambda e: e.user_id))


@bp.get("/portfolio/artifacts")
@api_spec.validate(query=OwnListQuery, resp=answers(ArtifactPage), tags=["portfolio"])
@requires(Scope.READ_PORTFOLIO)
def artifacts() -> ArtifactPage:
    """Your artifacts' details (files themselves are downloaded from the portfolio pages).
    Scope: read:portfolio."""
    asked = request.context.query  # type: ignore[attr-defined]
    page = pages.fetch("artifacts", own_artifacts(db.session, token_owner()), asked, {})
    return ArtifactPage(items=[_artifact(a) for a in page.rows], next_cursor=page.next_cursor)


def _application(found: Application) -> ApplicationOut:
    return ApplicationOut(
        id=found.id,
        program=found.framework.slug,
        program_version=found.framework.version,
        status=str(found.status),
        eligibility=str(found.eligibility) if found.eligibility is not None else None,
        hours_counted=found.hours_counted,
        submitted_at=found.submitted_at,
        decided_at=found.decided_at,
        created_at=found.created_at,
    )


def _enrollment(found: Enrollment) -> EnrollmentOut:
    return EnrollmentOut(
        id=found.id,
        program=found.framework.slug,
        program_version=found.framework.version,
        status=str(found.status),
        enrolled_on=found.enrolled_on,
        window_ends_on=found.window_ends_on,
        sets=[
            EnrollmentSetOut(
                id=s.id,
                set_code=s.competency_set.code,
                set_name=s.competency_set.name,
                kind=str(s.competency_set.kind),
                route=str(s.route),
                status=str(s.status),
                resubmissions_used=s.resubmissions_used,
            )
            for s in found.sets
        ],
    )


def _artifact(found: Artifact) -> ArtifactOut:
    upload = found.upload
    return ArtifactOut(
        id=found.id,
        kind=str(found.kind),
        caption=found.caption,
        description=found.description,
        url=found.url,
        file_name=upload.original_name if upload else None,
        file_size=(upload.size or upload.declared_size) if upload else None,
        file_sha256=(upload.sha256 or upload.declared_sha256) if upload else None,
        file_status=str(upload.status) if upload else None,
        entry_ids=sorted(e.id for e in found.entries),
        created_at=found.created_at,
    )
