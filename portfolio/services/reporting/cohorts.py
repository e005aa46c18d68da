"""Cohorts for administrators: enrollments grouped by the calendar quarter they began in.

Two grouped queries (plus one to check a program filter) whatever the number of enrollments:
enrollments per quarter and status with their sets met and in review (from each enrollment's
progress tally, models.progress), and days to certification per quarter. The quarter is worked
out in SQL (services.reporting.quarters), the same on SQLite and PostgreSQL.
Days to certification run from enrolled_on to the certificate's issued_on, the day the
certifying decision was taken (services.certification.evaluation issues it then).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import Integer, Select, cast, func, select
from sqlalchemy.orm import Session

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reporting.cohorts import Quarter, median, share
from portfolio.domain.reporting.funnel import Bin, day_histogram
from portfolio.models import (
    Certificate,
    Enrollment,
    EnrollmentProgress,
    EnrollmentStatus,
    Framework,
)
from portfolio.services.reporting.quarters import year_and_quarter

TOTALS_LABEL = "All cohorts"
SLUG_LENGTH = 60  # models.frameworks.Framework.slug
Columns = TypeVarTuple("Columns")


@dataclass(frozen=True)
class CohortRow:
    """One cohort (or the totals, with quarter None): counts, and how certification went."""

    label: str
    quarter: Quarter | None
    is_current: bool
    enrolled: int
    active: int
    certified: int
    closed: int
    sets_met: int
    sets_in_review: int
    median_days_to_certify: float | None  # None while no one of the cohort is certified
    share_certified: float | None  # certified / enrolled, from 0 to 1


@dataclass(frozen=True)
class CohortReport:
    framework_slug: str | None
    today: date
    cohorts: list[CohortRow]  # the newest cohort first
    totals: CohortRow
    days_histogram: list[Bin]  # days from enrollment to certification, all cohorts


@dataclass
class _Tally:
    statuses: dict[EnrollmentStatus, int] = field(default_factory=lambda: defaultdict(int))
    sets_met: int = 0
    sets_in_review: int = 0
    days: list[int] = field(default_factory=list)

    def row(self, label: str, quarter: Quarter | None, today: date) -> CohortRow:
        enrolled = sum(self.statuses.values())
        certified = self.statuses[EnrollmentStatus.CERTIFIED]
        return CohortRow(
            label=label,
            quarter=quarter,
            is_current=quarter is not None and quarter.contains(today),
            enrolled=enrolled,
            active=self.statuses[EnrollmentStatus.ACTIVE],
            certified=certified,
            closed=self.statuses[EnrollmentStatus.CLOSED],
            sets_met=self.sets_met,
            sets_in_review=self.sets_in_review,
            median_days_to_certify=median(self.days),
            share_certified=share(certified, enrolled),
        )


def cohort_report(session: Session, *, framework_slug: str | None, today: date) -> CohortReport:
    """Every cohort (of one program, by slug, across its versions; or of all), newest first,
    with a totals row. InvalidInput (field "program") when no framework has that slug."""
    if framework_slug is not None:
        _require_program(session, framework_slug)
    year, quarter = year_and_quarter(Enrollment.enrolled_on)
    tallies: dict[tuple[int, int], _Tally] = defaultdict(_Tally)
    totals = _Tally()

    # Sets met and in review come from each enrollment's progress tally (models.progress),
    # not from its sets: one row per enrollment, whatever the number of sets.
    enrollments = (
        select(
            year,
            quarter,
            Enrollment.status,
            func.count(Enrollment.id).label("n"),
            func.coalesce(func.sum(EnrollmentProgress.sets_met), 0).label("sets_met"),
            func.coalesce(func.sum(EnrollmentProgress.sets_in_review), 0).label("in_review"),
        )
        .select_from(Enrollment)
        .outerjoin(EnrollmentProgress, EnrollmentProgress.enrollment_id == Enrollment.id)
        .group_by(year, quarter, Enrollment.status)
    )
    for in_year, in_quarter, status, n, sets_met, in_review in session.execute(
        _of_program(enrollments, framework_slug)
    ):
        for target in (tallies[in_year, in_quarter], totals):
            target.statuses[status] += n
            target.sets_met += int(sets_met)
            target.sets_in_review += int(in_review)

    days = _days_to_certify(session)
    certified = (
        select(year, quarter, days, func.count())
        .select_from(Enrollment)
        .join(Certificate, Certificate.enrollment_id == Enrollment.id)
        .where(Enrollment.status == EnrollmentStatus.CERTIFIED)
        .group_by(year, quarter, days)
    )
    for in_year, in_quarter, taken, n in session.execute(_of_program(certified, framework_slug)):
        certifications = [int(taken)] * n
        tallies[in_year, in_quarter].days.extend(certifications)
        totals.days.extend(certifications)

    cohorts = []
    for in_year, in_quarter in sorted(tallies, reverse=True):
        cohort = Quarter(int(in_year), int(in_quarter))
        cohorts.append(tallies[in_year, in_quarter].row(cohort.label, cohort, today))
    return CohortReport(
        framework_slug,
        today,
        cohorts,
        totals.row(TOTALS_LABEL, None, today),
        day_histogram(totals.days),
    )


def _require_program(session: Session, slug: str) -> None:
    # Odd text (a NUL byte, say) is not looked up: PostgreSQL would refuse it with an error.
    plausible = slug.isprintable() and len(slug) <= SLUG_LENGTH
    if (
        not plausible
        or session.scalar(select(Framework.id).where(Framework.slug == slug).limit(1)) is None
    ):
        raise InvalidInput("Choose a program from the list.", field="program")


def _of_program(query: Select[*Columns], slug: str | None) -> Select[*Columns]:
    if slug is None:
        return query
    return query.join(Framework, Framework.id == Enrollment.framework_id).where(
        Framework.slug == slug
    )


def _days_to_certify(session: Session) -> Any:
    """Whole days from enrollment to the certificate, as SQL for the session's database."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps dates as text: subtracting them would compare strings.
        between = func.julianday(Certificate.issued_on) - func.julianday(Enrollment.enrolled_on)
        return cast(func.round(between), Integer)
    return Certificate.issued_on - Enrollment.enrolled_on  # PostgreSQL: an integer
