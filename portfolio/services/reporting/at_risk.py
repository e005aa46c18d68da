"""The at-risk list: open enrollments whose completion window ends within months with sets
still open, or whose candidate has done nothing for months (domain.reporting.at_risk), each
with what is still missing; searched, filtered, sorted and paged like every admin list.

Last activity is the latest of enrolling, signing in, and saving the learning statement or
any narrative. A fixed number of queries per page: the page with the list's total (counted in
the same query, so the last activity of every open enrollment is worked out once), and the
page's sets as plain rows with their programs' rules (for what is missing, by the evaluation
rule itself: services.certification.batch_evaluation.standings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.domain.reporting.at_risk import inactive_before, risk_reasons, window_horizon
from portfolio.models import (
    Enrollment,
    EnrollmentStatus,
    Framework,
    Portfolio,
    PortfolioEntry,
    User,
)
from portfolio.services.certification.batch_evaluation import standings
from portfolio.services.listing import AnyRow, ListQuery, fetch_page

Moment = ColumnElement[Any] | QueryableAttribute[Any]

AT_RISK_LIST = ListSpec(
    sorts=(
        Choice("window", "Window ends"),
        Choice("activity", "Last activity"),
        Choice("candidate", "Candidate's name"),
    ),
    filters=(
        ListFilter(
            "why",
            "Why",
            (Choice("window", "Window ending soon"), Choice("inactive", "No recent activity")),
        ),
    ),
    default_order="asc",  # the most urgent first
    search_label="Search by candidate name or email",
)


@dataclass(frozen=True, slots=True)
class AtRiskRow:
    enrollment_id: int
    user_id: int
    candidate: str
    email: str
    program: str
    window_ends_on: date
    last_activity: datetime | None
    reasons: list[str]
    missing: str  # what the evaluation rule says is still missing


def _latest(first: Moment, *others: Moment) -> Any:
    """The latest of the moments, skipping those that are NULL (`first` never is): the
    portable GREATEST (SQLite has none), one CASE per moment."""
    latest: Any = first
    for moment in others:
        # NULL > latest is not true: a moment that is not there keeps the latest so far.
        latest = case((moment > latest, moment), else_=latest)
    return latest


def at_risk_query(session: Session, request: ListRequest, today: date) -> ListQuery[AtRiskRow]:
    """One page of open enrollments at risk, most urgent first unless sorted otherwise."""
    # Each portfolio's latest narrative, then the latest moment of each enrollment's row: a
    # join per source (a portfolio per enrollment at most), not a union of every moment
    # grouped again by enrollment.
    narratives = (
        select(PortfolioEntry.portfolio_id, func.max(PortfolioEntry.updated_at).label("last_at"))
        .group_by(PortfolioEntry.portfolio_id)
        .subquery()
    )
    # Enrolling is where the clock starts: a new candidate is not idle on day one.
    last_at = _latest(
        Enrollment.created_at, User.last_sign_in_at, Portfolio.updated_at, narratives.c.last_at
    )
    ending = Enrollment.window_ends_on <= window_horizon(today)
    idle = last_at < inactive_before(today)
    why = request.filters.get("why")
    listed = (
        select(
            Enrollment.id,
            User.id,
            User.name,
            User.email,
            Framework.name,
            Enrollment.window_ends_on,
            last_at,
        )
        .join(User, User.id == Enrollment.user_id)
        .join(Framework, Framework.id == Enrollment.framework_id)
        .outerjoin(Portfolio, Portfolio.enrollment_id == Enrollment.id)
        .outerjoin(narratives, narratives.c.portfolio_id == Portfolio.id)
        .where(
            Enrollment.status == EnrollmentStatus.ACTIVE,
            ending if why == "window" else idle if why == "inactive" else or_(ending, idle),
        )
    )
    if request.search:
        listed = listed.where(
            or_(
                User.name.icontains(request.search, autoescape=True),
                User.email.icontains(request.search, autoescape=True),
            )
        )

    def to_rows(rows: Sequence[AnyRow]) -> list[AtRiskRow]:
        # What is missing comes from the evaluation rule, so the batch's sets are read too
        # (as plain rows, with the programs' rules): two more queries per page or export batch.
        judged = standings(session, [row[0] for row in rows], today)
        return [
            AtRiskRow(
                enrollment_id,
                user_id,
                name,
                email,
                program,
                window_ends_on,
                last_at,
                risk_reasons(window_ends_on, last_at, today),
                judged[enrollment_id].summary,
            )
            for enrollment_id, user_id, name, email, program, window_ends_on, last_at in rows
        ]

    return ListQuery(
        listed,
        {
            "window": Enrollment.window_ends_on,
            "activity": last_at,
            "candidate": User.name,
        },
        Enrollment.id,
        to_rows,
        count_in_page=True,  # the last activity is worked out over every open enrollment
    )


def list_at_risk(session: Session, request: ListRequest, today: date) -> ListPage[AtRiskRow]:
    return fetch_page(session, at_risk_query(session, request, today), request)
