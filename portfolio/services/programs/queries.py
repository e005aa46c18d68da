"""Finding framework versions, with their content loaded in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session, selectinload

from portfolio.models import Competency, CompetencySet, Framework, FrameworkStatus
from portfolio.services.cursor_pages import objects_query


def next_version(session: Session, slug: str) -> int:
    highest = session.scalar(select(func.max(Framework.version)).where(Framework.slug == slug))
    return (highest or 0) + 1


def _with_content() -> Any:
    competencies = selectinload(Framework.sets).selectinload(CompetencySet.competencies)
    return (
        competencies.selectinload(Competency.descriptors),
        selectinload(Framework.rubric_levels),
    )


def get_framework(
    session: Session, slug: str, version: int | None = None, *, include_drafts: bool = True
) -> Framework | None:
    """One version with its sets, competencies and rubric loaded in a fixed number of queries.

    Without `version`: the latest published version, else (with drafts) the latest of any.
    """
    query = select(Framework).where(Framework.slug == slug).options(*_with_content())
    if version is not None:
        found = session.scalar(query.where(Framework.version == version))
        if found is not None and not include_drafts and found.is_editable:
            return None
        return found
    published = query.where(Framework.status == FrameworkStatus.PUBLISHED)
    found = session.scalar(published.order_by(Framework.version.desc()).limit(1))
    if found is None and include_drafts:
        found = session.scalar(query.order_by(Framework.version.desc()).limit(1))
    return found


def get_framework_by_id(session: Session, framework_id: int) -> Framework | None:
    query = select(Framework).where(Framework.id == framework_id).options(*_with_content())
    return session.scalar(query)


def list_versions(session: Session, slug: str | None = None) -> list[Framework]:
    """Every version (of one slug, or all), by slug then newest first; content loaded."""
    query = select(Framework).options(*_with_content())
    if slug is not None:
        query = query.where(Framework.slug == slug)
    return list(session.scalars(query.order_by(Framework.slug, Framework.version.desc())))


def published_programs(session: Session) -> list[Framework]:
    """The latest published version of each program, by name; sets loaded (for counts)."""
    latest = _latest_published()
    query = (
        select(Framework)
        .join(latest, (Framework.slug == latest.c.slug) & (Framework.version == latest.c.version))
        .options(selectinload(Framework.sets).selectinload(CompetencySet.competencies))
        .order_by(Framework.name)
    )
    return list(session.scalars(query))


def published_program_names(session: Session) -> list[tuple[str, str]]:
    """(slug, name) of the latest published version of each program, by name, in one query:
    the choices of a program filter, which need nothing else."""
    latest = _latest_published()
    query = (
        select(Framework.slug, Framework.name)
        .join(latest, (Framework.slug == latest.c.slug) & (Framework.version == latest.c.version))
        .order_by(Framework.name)
    )
    return [(slug, name) for slug, name in session.execute(query)]


def _latest_published() -> Subquery:
    """Slug -> the number of its latest published version."""
    return (
        select(Framework.slug, func.max(Framework.version).label("version"))
        .where(Framework.status == FrameworkStatus.PUBLISHED)
        .group_by(Framework.slug)
        .subquery()
    )


def rubric_of(competency: Competency) -> list[tuple[str, str]]:
    """(level label, what that level looks like) for each rubric level, in the framework's
    order: the competency's own descriptor where it has one, else the framework's."""
    own = {descriptor.level_key: descriptor.text for descriptor in competency.descriptors}
    return [
        (level.label, own.get(level.key, level.descriptor))
        for level in competency.competency_set.framework.rubric_levels
    ]


def published_programs_query(session: Session) -> Any:
    """published_programs as a list the JSON API pages through by cursor (by id)."""
    latest = _latest_published()
    ids = select(Framework.id).join(
        latest, (Framework.slug == latest.c.slug) & (Framework.version == latest.c.version)
    )
    return objects_query(
        session,
        Framework,
        Framework.id.in_(ids),
        options=(selectinload(Framework.sets).selectinload(CompetencySet.competencies),),
    )
