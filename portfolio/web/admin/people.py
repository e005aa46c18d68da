"""One page per person for administrators (services.reporting.person)."""

from __future__ import annotations

from flask import render_template

from portfolio.extensions import db
from portfolio.services.reporting.person import SECTION_LIMIT, person_file
from portfolio.web.admin import bp


@bp.get("/people/<int:user_id>")
def person(user_id: int) -> str:
    return render_template(
        "admin/person.html", file=person_file(db.session, user_id), limit=SECTION_LIMIT
    )
