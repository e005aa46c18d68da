"""A candidate's own portfolios, their entries and artifacts (details, not files), as lists the
JSON API pages through by cursor, and one portfolio or entry by id with what reading or editing
it needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portfolio.models import (
    Artifact,
    Competency,
    Enrollment,
    EnrollmentSet,
    Portfolio,
    PortfolioEntry,
    User,
)
from portfolio.services.cursor_pages import objects_query
from portfolio.services.listing import ListQuery


def _own_portfolio_ids(owner: User) -> Any:
    return (
        select(Portfolio.id)
        .join(Enrollment, Enrollment.id == Portfolio.enrollment_id)
        .where(Enrollment.user_id == owner.id)
    )


# What a portfolio's answer names (the program) and what update_learning_statement reads (the
# enrollment's status).
WITH_PROGRAM = (selectinload(Portfolio.enrollment).selectinload(Enrollment.framework),)


def own_portfolios(session: Session, owner: User) -> ListQuery[Any]:
    """The owner's portfolios, one per enrollment that has one (made when a route is chosen or
    the statement is first saved)."""
    return objects_query(
        session, Portfolio, Portfolio.id.in_(_own_portfolio_ids(owner)), options=WITH_PROGRAM
    )


def find_portfolio_by_id(session: Session, portfolio_id: int) -> Portfolio | None:
    """The portfolio (anyone's: the caller checks it is theirs) with its enrollment and program
    loaded; None if missing."""
    return session.get(Portfolio, portfolio_id, options=WITH_PROGRAM)


def own_entries(session: Session, owner: User) -> ListQuery[Any]:
    return objects_query(
        session,
        PortfolioEntry,
        PortfolioEntry.portfolio_id.in_(_own_portfolio_ids(owner)),
        options=(
            selectinload(PortfolioEntry.competency),
            selectinload(PortfolioEntry.artifacts),
            selectinload(PortfolioEntry.portfolio),
        ),
    )


def find_entry(session: Session, entry_id: int) -> PortfolioEntry | None:
    """The entry (anyone's: the caller checks it is theirs), with its competency, artifacts and
    the enrollment's sets loaded, which is what entries.update_narrative reads; None if missing."""
    query = (
        select(PortfolioEntry)
        .where(PortfolioEntry.id == entry_id)
        .options(
            selectinload(PortfolioEntry.competency).selectinload(Competency.competency_set),
            selectinload(PortfolioEntry.artifacts),
            selectinload(PortfolioEntry.portfolio)
            .selectinload(Portfolio.enrollment)
            .selectinload(Enrollment.sets)
            .selectinload(EnrollmentSet.competency_set),
        )
    )
    return session.scalars(query).one_or_none()


def own_artifacts(session: Session, owner: User) -> ListQuery[Any]:
    return objects_query(
        session,
        Artifact,
        Artifact.portfolio_id.in_(_own_portfolio_ids(owner)),
        options=(selectinload(Artifact.upload), selectinload(Artifact.entries)),
    )
