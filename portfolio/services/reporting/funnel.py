"""The certification funnel per intake quarter (the quarter the application was submitted):
applied, approved, enrolled, first set submitted, sets met, certified (domain.reporting.funnel).

One grouped query whatever the number of applications: each application's progress is worked
out in a subquery (its enrollment's sets met and whether any was sent in, from the enrollment's
progress tally, models.progress: one row per enrollment, not its sets and submissions), then
counted per quarter (services.reporting.quarters) and kind of progress.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.reporting.cohorts import Quarter
from portfolio.domain.reporting.funnel import Applicant, Stage, funnel
from portfolio.models import (
    Application,
    ApplicationStatus,
    Enrollment,
    EnrollmentProgress,
    EnrollmentStatus,
    Framework,
)
from portfolio.services.reporting.quarters import year_and_quarter


@dataclass(frozen=True)
class IntakeFunnel:
    label: str
    stages: list[Stage]


def intake_funnels(
    session: Session, framework_slug: str | None
) -> tuple[list[IntakeFunnel], IntakeFunnel]:
    """Each intake quarter's funnel, the newest first, and all intakes together."""
    year, quarter = year_and_quarter(Application.submitted_at)
    progress = (
        select(
            year.label("year"),
            quarter.label("quarter"),
            (Application.status == ApplicationStatus.APPROVED).label("approved"),
            Enrollment.id.is_not(None).label("enrolled"),
            (func.coalesce(EnrollmentProgress.submissions, 0) > 0).label("submitted_a_set"),
            func.coalesce(EnrollmentProgress.sets_satisfied, 0).label("sets_met"),
            (Enrollment.status == EnrollmentStatus.CERTIFIED).label("certified"),
        )
        .select_from(Application)
        .outerjoin(Enrollment, Enrollment.application_id == Application.id)
        .outerjoin(EnrollmentProgress, EnrollmentProgress.enrollment_id == Enrollment.id)
        .where(Application.status != ApplicationStatus.DRAFT, Application.submitted_at.is_not(None))
    )
    if framework_slug is not None:
        progress = progress.join(Framework, Framework.id == Application.framework_id).where(
            Framework.slug == framework_slug
        )
    inner = progress.subquery()
    columns = list(inner.c)
    counted = select(*columns, func.count().label("n")).group_by(*columns)
    by_quarter: dict[Quarter, list[tuple[Applicant, int]]] = defaultdict(list)
    everyone: list[tuple[Applicant, int]] = []
    for row in session.execute(counted):
        applicant = Applicant(
            approved=bool(row.approved),
            enrolled=bool(row.enrolled),
            submitted_a_set=bool(row.submitted_a_set),
            sets_met=int(row.sets_met or 0),
            certified=bool(row.certified),
        )
        by_quarter[Quarter(int(row.year), int(row.quarter))].append((applicant, row.n))
        everyone.append((applicant, row.n))
    quarters = [
        IntakeFunnel(quarter.label, funnel(by_quarter[quarter]))
        for quarter in sorted(by_quarter, reverse=True)
    ]
    return quarters, IntakeFunnel("All intakes", funnel(everyone))
