"""Appeals of a set's outcome or of a certification decision, and the files sent with them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.domain.appeals.stages import AppealStage, AppealSubject
from portfolio.models.accounts import User
from portfolio.models.base import Base, str_enum, utcnow
from portfolio.models.decisions import CertificationDecision
from portfolio.models.portfolios import Submission
from portfolio.models.uploads import Upload


class Appeal(Base):
    """One appeal, from the notice of intent to the committee's ruling and what followed.

    It names exactly one decision: a submission's outcome (the submission, since a re-review
    replaces the outcome row) or a certification decision; each can be appealed once (unique).
    Every step's day is kept here and each step is also in the audit trail.
    """

    __tablename__ = "appeal"
    __table_args__ = (
        CheckConstraint("(submission_id IS NULL) <> (decision_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    subject: Mapped[AppealSubject] = mapped_column(str_enum(AppealSubject))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), unique=True)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("certification_decision.id"), unique=True
    )
    # The day of the decision appealed: every deadline of the procedure counts from it.
    decided_on: Mapped[date]
    stage: Mapped[AppealStage] = mapped_column(str_enum(AppealStage), index=True)
    notice_filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    grounds: Mapped[str] = mapped_column(Text, default="")
    grounds_filed_at: Mapped[datetime | None]
    office_response: Mapped[str] = mapped_column(Text, default="")
    office_declined: Mapped[bool] = mapped_column(default=False)
    office_answered_at: Mapped[datetime | None]
    office_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ruling: Mapped[str] = mapped_column(String(20), default="")
    ruling_comments: Mapped[str] = mapped_column(Text, default="")
    ruled_at: Mapped[datetime | None]
    ruled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reconsideration: Mapped[str] = mapped_column(Text, default="")
    reconsidered_at: Mapped[datetime | None]
    reconsidered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    submission: Mapped[Submission | None] = relationship()
    decision: Mapped[CertificationDecision | None] = relationship()
    attachments: Mapped[list[AppealAttachment]] = relationship(
        back_populates="appeal", order_by="AppealAttachment.id", lazy="selectin"
    )


class AppealAttachment(Base):
    """A verified upload of the candidate's sent with the grounds (fixed once they are filed)."""

    __tablename__ = "appeal_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("upload.id"), unique=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    appeal: Mapped[Appeal] = relationship(back_populates="attachments")
    upload: Mapped[Upload] = relationship(lazy="joined")
