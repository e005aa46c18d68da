"""Reports for administrators: the at-risk list and the cohort report, from the same services
as their pages (services.reporting)."""

from __future__ import annotations

from flask import request

from portfolio.domain.accounts.api_tokens import Scope
from portfolio.domain.listing import ListRequest
from portfolio.extensions import db
from portfolio.services.reporting import at_risk
from portfolio.services.reporting.cohorts import CohortRow, cohort_report
from portfolio.web import access, clock
from portfolio.web.api import bp, pages
from portfolio.web.api.auth import requires
from portfolio.web.api.schemas import (
    AtRiskOut,
    AtRiskPage,
    AtRiskQuery,
    CohortOut,
    CohortQuery,
    CohortReportOut,
)
from portfolio.web.api.spec import answers, api_spec


@bp.get("/reports/at-risk")
@api_spec.validate(query=AtRiskQuery, resp=answers(AtRiskPage), tags=["reports"])
@requires(Scope.READ_REPORTS)
def at_risk_list() -> AtRiskPage:
    """Candidates at risk: window ending soon with sets open, or no recent activity.
    Scope: read:reports (administrators)."""
    access.require_admin()
    asked = request.context.query  # type: ignore[attr-defined]
    filters = {"why": asked.why} if asked.why else {}
    sort = asked.sort.removeprefix("-")
    order = "desc" if asked.sort.startswith("-") else "asc"
    listed = ListRequest("", filters, sort, order, 1, asked.limit)
    query = at_risk.at_risk_query(db.session, listed, clock.today())
    page = pages.fetch("at-risk", query, asked, filters)
    return AtRiskPage(
        items=[
            AtRiskOut(
                enrollment_id=row.enrollment_id,
                user_id=row.user_id,
                candidate=row.candidate,
                email=row.email,
                program=row.program,
                window_ends_on=row.window_ends_on,
                last_activity=row.last_activity,
                reasons=list(row.reasons),
                missing=row.missing,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


@bp.get("/reports/cohorts")
@api_spec.validate(query=CohortQuery, resp=answers(CohortReportOut, invalid=True), tags=["reports"])
@requires(Scope.READ_REPORTS)
def cohorts() -> CohortReportOut:
    """Enrollments by intake quarter: how many enrolled, are active, certified or closed.
    Scope: read:reports (administrators)."""
    access.require_admin()
    asked = request.context.query  # type: ignore[attr-defined]
    report = cohort_report(db.session, framework_slug=asked.program, today=clock.today())
    return CohortReportOut(
        program=report.framework_slug,
        today=report.today,
        cohorts=[_cohort(row) for row in report.cohorts],
        totals=_cohort(report.totals),
    )


def _cohort(row: CohortRow) -> CohortOut:
    return CohortOut(
        label=row.label,
        enrolled=row.enrolled,
        active=row.active,
        certified=row.certified,
        closed=row.closed,
        sets_met=row.sets_met,
        sets_in_review=row.sets_in_review,
        median_days_to_certify=row.median_days_to_certify,
        share_certified=row.share_certified,
    )
