"""Monthly tallies of submitted reviews, one row per competency set or reviewer and month.

Derived data for the quality page: domain.reviewing.tallies says what each counter counts (its
COUNTERS name one column each); services.reviewing.tallies keeps the rows in step with every
submitted or withdrawn review, and can rebuild them from the reviews.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base


class _Counters:
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]  # its first day
    reviews: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    rated_met: Mapped[int] = mapped_column(default=0)
    rated_partially_met: Mapped[int] = mapped_column(default=0)
    rated_not_met: Mapped[int] = mapped_column(default=0)
    pair_met_met: Mapped[int] = mapped_column(default=0)
    pair_met_partially_met: Mapped[int] = mapped_column(default=0)
    pair_met_not_met: Mapped[int] = mapped_column(default=0)
    pair_partially_met_met: Mapped[int] = mapped_column(default=0)
    pair_partially_met_partially_met: Mapped[int] = mapped_column(default=0)
    pair_partially_met_not_met: Mapped[int] = mapped_column(default=0)
    pair_not_met_met: Mapped[int] = mapped_column(default=0)
    pair_not_met_partially_met: Mapped[int] = mapped_column(default=0)
    pair_not_met_not_met: Mapped[int] = mapped_column(default=0)


class SetReviewTally(_Counters, Base):
    __tablename__ = "set_tally"
    # Leads with the month: the quality page reads a range of months.
    __table_args__ = (UniqueConstraint("month", "set_id"),)

    set_id: Mapped[int] = mapped_column(ForeignKey("competency_set.id"), index=True)


class ReviewerReviewTally(_Counters, Base):
    __tablename__ = "reviewer_tally"
    __table_args__ = (UniqueConstraint("month", "reviewer_id"),)

    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
