"""Programs and their frameworks (public, as the program pages are), and who the token is."""

from __future__ import annotations

from flask import request

from portfolio.domain.accounts.api_tokens import Scope
from portfolio.domain.errors import NotFound, Unauthorized
from portfolio.extensions import db
from portfolio.models import Framework
from portfolio.services.programs.queries import get_framework, published_programs_query
from portfolio.web import access
from portfolio.web.api import bp, pages
from portfolio.web.api.auth import NEEDS_TOKEN, current_caller
from portfolio.web.api.schemas import (
    CompetencyOut,
    Me,
    OwnListQuery,
    ProgramOut,
    ProgramPage,
    ProgramQuery,
    ProgramSummary,
    RubricLevelOut,
    SetOut,
)
from portfolio.web.api.spec import OPTIONAL_TOKEN, answers, api_spec


@bp.get("/me")
@api_spec.validate(resp=answers(Me), tags=["account"])
def me() -> Me:
    """Who this token acts for, and what it may read or change."""
    caller = current_caller()
    if caller is None:
        raise Unauthorized(NEEDS_TOKEN)
    return Me(
        id=caller.user.id,
        name=caller.user.name,
        email=caller.user.email,
        roles=sorted(str(role) for role in caller.user.role_names),
        scopes=sorted(scope.value for scope in caller.scopes),
        token_expires_at=caller.token.expires_at,
    )


@bp.get("/programs")
@api_spec.validate(
    query=OwnListQuery,
    resp=answers(ProgramPage, public=True),
    security=OPTIONAL_TOKEN,
    tags=["programs"],
)
def programs() -> ProgramPage:
    """The published programs (the latest version of each)."""
    asked = request.context.query  # type: ignore[attr-defined]
    page = pages.fetch("programs", published_programs_query(db.session), asked, {})
    return ProgramPage(items=[_summary(f) for f in page.rows], next_cursor=page.next_cursor)


@bp.get("/programs/<slug>")
@api_spec.validate(
    query=ProgramQuery,
    resp=answers(ProgramOut, public=True),
    security=OPTIONAL_TOKEN,
    tags=["programs"],
)
def program(slug: str) -> ProgramOut:
    """One program's framework: its sets, competencies and rubric levels (drafts only for
    administrators' tokens with the reports scope, as on the program page)."""
    asked = request.context.query  # type: ignore[attr-defined]
    if len(slug) > 60:
        raise NotFound("We could not find that program.")
    framework = get_framework(db.session, slug, asked.version, include_drafts=_sees_drafts())
    access.require_found(framework)
    assert framework is not None
    return ProgramOut(
        slug=framework.slug,
        version=framework.version,
        name=framework.name,
        description=framework.description,
        status=str(framework.status),
        published_at=framework.published_at,
        rubric_levels=[
            RubricLevelOut(key=level.key, label=level.label, descriptor=level.descriptor)
            for level in framework.rubric_levels
        ],
        sets=[
            SetOut(
                code=s.code,
                name=s.name,
                kind=str(s.kind),
                competencies=[
                    CompetencyOut(code=c.code, title=c.title, description=c.description)
                    for c in s.competencies
                ],
            )
            for s in framework.sets
        ],
    )


def _summary(framework: Framework) -> ProgramSummary:
    return ProgramSummary(
        slug=framework.slug,
        version=framework.version,
        name=framework.name,
        description=framework.description,
        set_count=len(framework.sets),
    )


def _sees_drafts() -> bool:
    """Drafts go to an administrator's token that may read reports: a narrow token of an
    administrator (say, for their own applications) reads what anyone may."""
    caller = current_caller()
    return caller is not None and Scope.READ_REPORTS in caller.scopes and access.is_admin()
