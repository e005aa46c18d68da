"""The public catalogue of approved courses: what is approved today, filtered and paged.

A course is listed by its newest version whose approval period includes today. Every page is
two queries (the count and the page), whatever the size of the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from portfolio.domain.courses.catalogue import CatalogueFilters
from portfolio.models import (
    CompetencySet,
    Course,
    CourseFormat,
    CourseVersion,
    CourseVersionStatus,
    Provider,
)

SUGGESTIONS = 5


@dataclass(frozen=True)
class CatalogueRow:
    version_id: int
    course_id: int
    title: str
    description: str
    framework_slug: str
    set_code: str
    set_name: str
    provider_name: str
    provider_slug: str
    format: CourseFormat
    synchronous: bool
    approved_on: date
    approved_until: date


@dataclass(frozen=True)
class CataloguePage:
    rows: list[CatalogueRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _current(today: date) -> Select:  # type: ignore[type-arg]
    """Approved versions in force today, only the newest of each course."""
    newer = aliased(CourseVersion)
    newer_exists = (
        select(newer.id)
        .where(
            newer.course_id == CourseVersion.course_id,
            newer.number > CourseVersion.number,
            newer.status == CourseVersionStatus.APPROVED,
            newer.approved_on <= today,
            newer.approved_until >= today,
        )
        .exists()
    )
    return (
        select(
            CourseVersion.id.label("version_id"),
            Course.id.label("course_id"),
            CourseVersion.title,
            CourseVersion.description,
            Course.framework_slug,
            Course.set_code,
            CompetencySet.name.label("set_name"),
            Provider.name.label("provider_name"),
            Provider.slug.label("provider_slug"),
            CourseVersion.format,
            CourseVersion.synchronous,
            CourseVersion.approved_on,
            CourseVersion.approved_until,
        )
        .join(Course, Course.id == CourseVersion.course_id)
        .join(Provider, Provider.id == Course.provider_id)
        .join(CompetencySet, CompetencySet.id == CourseVersion.set_id)
        .where(
            CourseVersion.status == CourseVersionStatus.APPROVED,
            CourseVersion.approved_on <= today,
            CourseVersion.approved_until >= today,
            ~newer_exists,
        )
    )


def search(session: Session, filters: CatalogueFilters, today: date) -> CataloguePage:
    query = _current(today)
    if filters.text:
        like = "%" + filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like += "%"
        query = query.where(
            or_(
                CourseVersion.title.ilike(like, escape="\\"),
                CourseVersion.description.ilike(like, escape="\\"),
                Provider.name.ilike(like, escape="\\"),
            )
        )
    if filters.set_code:
        query = query.where(Course.set_code == filters.set_code)
    if filters.provider:
        query = query.where(Provider.slug == filters.provider)
    if filters.format:
        query = query.where(CourseVersion.format == CourseFormat(filters.format))
    if filters.synchronous is not None:
        query = query.where(CourseVersion.synchronous.is_(filters.synchronous))
    if filters.approved_from is not None:
        query = query.where(CourseVersion.approved_on >= filters.approved_from)
    if filters.approved_to is not None:
        query = query.where(CourseVersion.approved_on <= filters.approved_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Course.set_code, CourseVersion.title, CourseVersion.id)
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    return CataloguePage(
        [CatalogueRow(*row) for row in rows], int(total), filters.page, filters.per_page
    )


def for_set(
    session: Session, framework_slug: str, set_code: str, today: date, limit: int = 100
) -> list[CatalogueRow]:
    """The approved courses for one set of a program, for a candidate to choose from."""
    rows = session.execute(
        _current(today)
        .where(Course.framework_slug == framework_slug, Course.set_code == set_code)
        .order_by(CourseVersion.title, CourseVersion.id)
        .limit(limit)
    )
    return [CatalogueRow(*row) for row in rows]


def filter_choices(session: Session, today: date) -> tuple[list[tuple[str, str]], list[Provider]]:
    """The sets (code, name) and providers that have courses in the catalogue today."""
    current = _current(today).subquery()
    sets = session.execute(
        select(current.c.set_code, func.min(current.c.set_name))
        .group_by(current.c.set_code)
        .order_by(current.c.set_code)
    ).all()
    providers = session.scalars(
        select(Provider)
        .where(Provider.slug.in_(select(current.c.provider_slug)))
        .order_by(Provider.name)
    ).all()
    return [(code, name) for code, name in sets], list(providers)
