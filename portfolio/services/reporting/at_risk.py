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

from sqlalchemy import Subquery, func, or_, select, union_all
from sqlalchemy.orm import Session

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


def _last_activity() -> Subquery:
    """Enrollment id -> its candidate's latest activity, as a subquery."""
    # Each portfolio's latest narrative first: the union then holds a row per portfolio, not
    # one per narrative (over ten times fewer rows to group).
    narratives = (
        select(PortfolioEntry.portfolio_id, func.max(PortfolioEntry.updated_at).label("last_at"))
        .group_by(PortfolioEntry.portfolio_id)
        .subquery()
    )
    moments = union_all(
        # Enrolling is where the clock starts: a new candidate is not idle on day one.
        select(Enrollment.id.label("enrollment_id"), Enrollment.created_at.label("at")),
        select(Enrollment.id, User.last_sign_in_at).join(User, User.id == Enrollment.user_id),
        select(Portfolio.enrollment_id, Portfolio.updated_at),
        select(Portfolio.enrollment_id, narratives.c.last_at).join(
            Portfolio, Portfolio.id == narratives.c.portfolio_id
        ),
    ).subquery()
    return (
        select(moments.c.enrollment_id, func.max(moments.c.at).label("last_at"))
        .group_by(moments.c.enrollment_id)
        .subquery()
    )


def at_risk_query(session: Session, request: ListRequest, today: date) -> ListQuery[AtRiskRow]:
    """One page of open enrollments at risk, most urgent first unless sorted otherwise."""
    activity = _last_activity()
    ending = Enrollment.window_ends_on <= window_horizon(today)
    idle = or_(activity.c.last_at.is_(None), activity.c.last_at < inactive_before(today))
    why = request.filters.get("why")
    listed = (
        select(
            Enrollment.id,
            User.id,
            User.name,
            User.email,
            Framework.name,
            Enrollment.window_ends_on,
            activity.c.last_at,
        )
        .join(User, User.id == Enrollment.user_id)
        .join(Framework, Framework.id == Enrollment.framework_id)
        .outerjoin(activity, activity.c.enrollment_id == Enrollment.id)
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
            "activity": activity.c.last_at,
            "candidate": User.name,
        },
        Enrollment.id,
        to_rows,
        count_in_page=True,  # the last activity is worked out over every open enrollment
    )


def list_at_risk(session: Session, request: ListRequest, today: date) -> ListPage[AtRiskRow]:
    return fetch_page(session, at_risk_query(session, request, today), request)
