"""Monthly tallies of submitted reviews per competency set and per reviewer (quality page).

Derived data: domain.review_tallies says what each row counts; services.review_tallies keeps
them in step with every submitted or withdrawn review, and can rebuild them from the reviews.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.domain.review_tallies import Measure
from portfolio.models.base import Base, str_enum


class _Tally:
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]  # its first day
    measure: Mapped[Measure] = mapped_column(str_enum(Measure))
    level: Mapped[str] = mapped_column(String(30), default="")
    other_level: Mapped[str] = mapped_column(String(30), default="")
    count: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)


class SetReviewTally(_Tally, Base):
    __tablename__ = "set_tally"
    # Leads with the month: the quality page reads a range of months.
    __table_args__ = (UniqueConstraint("month", "set_id", "measure", "level", "other_level"),)

    set_id: Mapped[int] = mapped_column(ForeignKey("competency_set.id"), index=True)


class ReviewerReviewTally(_Tally, Base):
    __tablename__ = "reviewer_tally"
    __table_args__ = (UniqueConstraint("month", "reviewer_id", "measure", "level", "other_level"),)

    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
