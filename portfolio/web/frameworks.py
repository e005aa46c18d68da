"""Public program pages: the list of programs and one program's sets, rubric and rules.

Drafts are not found for the public; administrators see them, with provisional markers.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from portfolio.domain.errors import NotFound
from portfolio.domain.programs.rules_text import describe_rules
from portfolio.extensions import db
from portfolio.models import Framework, SetKind
from portfolio.services.programs.queries import get_framework, published_programs
from portfolio.services.programs.versions import load_rules
from portfolio.web import access
from portfolio.web.params import is_small_int

bp = Blueprint("frameworks", __name__, url_prefix="/programs")


@bp.get("/")
def index() -> str:
    return render_template("frameworks/index.html", programs=published_programs(db.session))


@bp.get("/<slug>/")
def show(slug: str) -> str:
    version = _version_argument()
    admin = access.is_admin()
    framework = get_framework(db.session, slug, version, include_drafts=admin)
    access.require_found(framework)
    assert framework is not None
    return render_template("frameworks/show.html", **program_page(framework), admin=admin)


def _version_argument() -> int | None:
    raw = request.args.get("version")
    if raw is None:
        return None
    if not is_small_int(raw) or len(raw) > 9:
        raise NotFound("We could not find that version.")
    return int(raw)


def program_page(framework: Framework) -> dict[str, object]:
    """What the program page shows: sets (required first), rubric labels, rules in words."""
    required = [s for s in framework.sets if s.kind == SetKind.REQUIRED]
    electives = [s for s in framework.sets if s.kind == SetKind.ELECTIVE]
    rules = load_rules(framework)
    sections = describe_rules(
        rules,
        set_names={s.code: s.name for s in framework.sets},
        electives_available=len(electives),
    )
    return {
        "framework": framework,
        "required_sets": required,
        "elective_sets": electives,
        "electives_required": rules.electives_required,
        "level_labels": {level.key: level.label for level in framework.rubric_levels},
        "rules_sections": sections,
    }
