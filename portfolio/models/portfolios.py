"""A candidate's portfolio: learning statement, one entry per competency, artifacts, submissions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, JSONDocument, str_enum, utcnow
from portfolio.models.enrollments import Enrollment, EnrollmentSet
from portfolio.models.frameworks import Competency
from portfolio.models.uploads import Upload


class ArtifactKind(enum.StrEnum):
    FILE = "file"
    LINK = "link"


entry_artifact = Table(
    "entry_artifact",
    Base.metadata,
    Column("entry_id", ForeignKey("portfolio_entry.id", ondelete="CASCADE"), primary_key=True),
    Column("artifact_id", ForeignKey("artifact.id", ondelete="CASCADE"), primary_key=True),
)


class Portfolio(Base):
    __tablename__ = "portfolio"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    learning_statement: Mapped[str] = mapped_column(Text, default="")
    # The statement as sanitised HTML, rendered when saved, and the renderer that made it
    # (domain.portfolios.narrative.RENDERER_VERSION; "" before the first render).
    learning_statement_html: Mapped[str] = mapped_column(Text, default="")
    learning_statement_rendered_with: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    enrollment: Mapped[Enrollment] = relationship()
    entries: Mapped[list[PortfolioEntry]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan"
    )
    artifacts: Mapped[list[Artifact]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan", order_by="Artifact.id"
    )


class PortfolioEntry(Base):
    """The live draft of the evidence for one competency."""

    __tablename__ = "portfolio_entry"
    __table_args__ = (UniqueConstraint("portfolio_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[int] = mapped_column(ForeignKey("competency.id"))
    narrative: Mapped[str] = mapped_column(Text, default="")
    narrative_html: Mapped[str] = mapped_column(Text, default="")  # as learning_statement_html
    narrative_rendered_with: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    portfolio: Mapped[Portfolio] = relationship(back_populates="entries")
    competency: Mapped[Competency] = relationship()
    artifacts: Mapped[list[Artifact]] = relationship(
        secondary=entry_artifact, back_populates="entries", order_by="Artifact.id"
    )


class Artifact(Base):
    """A piece of evidence: a verified file, or a link to evidence published elsewhere."""

    __tablename__ = "artifact"

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ArtifactKind] = mapped_column(str_enum(ArtifactKind))
    caption: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    portfolio: Mapped[Portfolio] = relationship(back_populates="artifacts")
    upload: Mapped[Upload | None] = relationship()
    entries: Mapped[list[PortfolioEntry]] = relationship(
        secondary=entry_artifact, back_populates="artifacts"
    )


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    MET = "met"
    NOT_YET_MET = "not_yet_met"
    WITHDRAWN = "withdrawn"


class Submission(Base):
    """A frozen, immutable snapshot of one set's evidence, as reviewers will see it."""

    __tablename__ = "submission"
    # One snapshot per attempt: a double submit loses the race on this constraint.
    __table_args__ = (UniqueConstraint("enrollment_set_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_set_id: Mapped[int] = mapped_column(ForeignKey("enrollment_set.id"), index=True)
    attempt: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # learning statement, entries (competency code, narrative), artifacts (key, sha256, name...)
    snapshot: Mapped[dict[str, Any]]
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    # The texts' sanitised HTML (domain.portfolios.snapshot_html): derived from the snapshot,
    # so outside its fingerprint, and rendered again when the renderer changes.
    snapshot_html: Mapped[dict[str, Any]] = mapped_column(default=dict)
    snapshot_html_rendered_with: Mapped[str] = mapped_column(String(80), default="")
    # The codes of the competencies that were provisional when it was sent: rated, not counted
    # (domain.reviewing.rubric), whatever is confirmed later.
    provisional_codes: Mapped[list[str]] = mapped_column(JSONDocument(), default=list)
    status: Mapped[SubmissionStatus] = mapped_column(str_enum(SubmissionStatus))

    enrollment_set: Mapped[EnrollmentSet] = relationship()


class ImportStatus(enum.StrEnum):
    WAITING = "waiting"  # its zip is uploaded and checked; the job has not started it
    IMPORTING = "importing"  # a job run holds it (until claimed_until)
    DONE = "done"  # imported: the counts and sentences below say what came
    REFUSED = "refused"  # nothing was kept; `reason` says why
    FAILED = "failed"  # the job could not run (the store or database was down); may be retried


class PortfolioImport(Base):
    """A portfolio export from another installation, imported into this enrollment's
    portfolio as a draft (services.portfolios.importing): what came, and what could not be
    placed. A refused import posted as a form leaves no row; one sent through the upload flow
    (services.portfolios.import_jobs) is imported by a job, and its row shows it waiting,
    importing, done or refused (with the reason)."""

    __tablename__ = "portfolio_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    # The export's own facts: when and from which program version it was written.
    exported_at: Mapped[str] = mapped_column(String(40), default="")
    program_version: Mapped[int] = mapped_column(default=0)
    narratives: Mapped[int] = mapped_column(default=0)
    links: Mapped[int] = mapped_column(default=0)
    files: Mapped[int] = mapped_column(default=0)
    file_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    # Sentences for the candidate: evidence not placed here, and what is never imported.
    not_placed: Mapped[list[str]] = mapped_column(JSONDocument(), default=list)
    left_out: Mapped[list[str]] = mapped_column(JSONDocument(), default=list)
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus), default=ImportStatus.DONE, server_default="done"
    )
    # The zip uploaded for a job's import (its object is deleted once the import is finished).
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"), unique=True)
    upload: Mapped[Upload | None] = relationship(foreign_keys=[upload_id])
    requested_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # One job run holds the import until claimed_until (a run that died lets go that way).
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_until: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
