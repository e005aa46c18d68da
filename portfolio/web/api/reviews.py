"""A reviewer's own review assignments (the reviewer's queue page shows the same ones)."""

from __future__ import annotations

from flask import request

from portfolio.domain.accounts.api_tokens import Scope
from portfolio.extensions import db
from portfolio.models import Assignment, Role
from portfolio.services.reviewing.own import find_own_assignment, own_assignments
from portfolio.web import access
from portfolio.web.api import bp, pages
from portfolio.web.api.auth import requires, token_owner
from portfolio.web.api.schemas import AssignmentOut, AssignmentPage, AssignmentsQuery
from portfolio.web.api.spec import answers, api_spec


@bp.get("/review-assignments")
@api_spec.validate(query=AssignmentsQuery, resp=answers(AssignmentPage), tags=["reviewing"])
@requires(Scope.READ_REVIEWS)
def assignments() -> AssignmentPage:
    """Your review assignments. Scope: read:reviews (reviewers)."""
    access.require_role(Role.REVIEWER)
    asked = request.context.query  # type: ignore[attr-defined]
    query = own_assignments(db.session, token_owner(), asked.status)
    page = pages.fetch("assignments", query, asked, {"status": asked.status or ""})
    return AssignmentPage(items=[_assignment(a) for a in page.rows], next_cursor=page.next_cursor)


@bp.get("/review-assignments/<int:assignment_id>")
@api_spec.validate(resp=answers(AssignmentOut), tags=["reviewing"])
@requires(Scope.READ_REVIEWS)
def assignment(assignment_id: int) -> AssignmentOut:
    """One of your review assignments (404 for anyone else's). Scope: read:reviews."""
    access.require_role(Role.REVIEWER)
    found = find_own_assignment(db.session, token_owner(), assignment_id)
    access.require_found(found)
    assert found is not None
    return _assignment(found)


def _assignment(found: Assignment) -> AssignmentOut:
    enrollment_set = found.submission.enrollment_set
    return AssignmentOut(
        id=found.id,
        kind=str(found.kind),
        status=str(found.status),
        set_code=enrollment_set.competency_set.code,
        set_name=enrollment_set.competency_set.name,
        attempt=found.submission.attempt,
        assigned_at=found.assigned_at,
        due_on=found.due_on,
        submitted_at=found.submitted_at,
    )
