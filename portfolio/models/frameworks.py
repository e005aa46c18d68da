"""Competency frameworks: versions, sets, competencies and rubrics, all as data."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, str_enum, utcnow


class FrameworkStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class SetKind(enum.StrEnum):
    REQUIRED = "required"
    ELECTIVE = "elective"


class Framework(Base):
    """One version of a program's framework. Published versions never change."""

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[FrameworkStatus] = mapped_column(
        str_enum(FrameworkStatus), default=FrameworkStatus.DRAFT
    )
    # Program rules as a document; the domain reads them through domain.programs.rules.ProgramRules.
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Anything else of the source file worth keeping (notes, source references).
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    sets: Mapped[list[CompetencySet]] = relationship(
        back_populates="framework",
        cascade="all, delete-orphan",
        order_by="CompetencySet.position",
    )
    rubric_levels: Mapped[list[RubricLevel]] = relationship(
        back_populates="framework",
        cascade="all, delete-orphan",
        order_by="RubricLevel.position",
    )

    @property
    def is_editable(self) -> bool:
        return self.status == FrameworkStatus.DRAFT


class RubricLevel(Base):
    """A framework-wide rating level (Met, Partially met, Not met) and its default descriptor."""

    __tablename__ = "rubric_level"
    __table_args__ = (UniqueConstraint("framework_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(60))
    position: Mapped[int]
    descriptor: Mapped[str] = mapped_column(Text, default="")

    framework: Mapped[Framework] = relationship(back_populates="rubric_levels")


class CompetencySet(Base):
    __tablename__ = "competency_set"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SetKind] = mapped_column(str_enum(SetKind))
    position: Mapped[int]
    scope: Mapped[str] = mapped_column(Text, default="")

    framework: Mapped[Framework] = relationship(back_populates="sets")
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="competency_set",
        cascade="all, delete-orphan",
        order_by="Competency.position",
    )


class Competency(Base):
    __tablename__ = "competency"
    __table_args__ = (UniqueConstraint("set_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("competency_set.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]
    # Text the program office has not confirmed yet; shown as such to administrators.
    provisional: Mapped[bool] = mapped_column(default=False)

    competency_set: Mapped[CompetencySet] = relationship(back_populates="competencies")
    descriptors: Mapped[list[RubricDescriptor]] = relationship(
        back_populates="competency", cascade="all, delete-orphan"
    )


class RubricDescriptor(Base):
    """What a level means for one competency, overriding the framework-wide default."""

    __tablename__ = "rubric_descriptor"
    __table_args__ = (UniqueConstraint("competency_id", "level_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competency.id", ondelete="CASCADE"))
    level_key: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)

    competency: Mapped[Competency] = relationship(back_populates="descriptors")
