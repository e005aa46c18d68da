"""The committee's queue of appeals, one appeal's file, and the ruling.

A member who reviewed or decided the case is refused with the reason (403) on the page and on
the ruling, before anything is shown or changed.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.appeals.grounds import GROUNDS_MAX
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.extensions import db
from portfolio.services.appeals import committee, files, lists
from portfolio.web import clock
from portfolio.web.committee import bp, current_member


@bp.get("/")
def queue() -> str:
    return render_template(
        "committee/queue.html", rows=lists.committee_queue(db.session, clock.today())
    )


@bp.get("/appeals/<int:appeal_id>")
def appeal(appeal_id: int) -> str:
    return _page(appeal_id)


def _page(appeal_id: int, *, error: str = "", typed: str = "") -> str:
    found = files.load_appeal(db.session, appeal_id)
    committee.require_may_hear(db.session, found, current_member())
    return render_template(
        "committee/appeal.html",
        file=files.appeal_file(db.session, found, clock.today()),
        error=error,
        typed=typed,
        comments_max=GROUNDS_MAX,
    )


@bp.post("/appeals/<int:appeal_id>/ruling")
def rule(appeal_id: int) -> Response | tuple[str, int]:
    found = files.load_appeal(db.session, appeal_id)
    comments = request.form.get("comments", "")
    try:
        ruling = committee.parse_ruling(request.form.get("ruling", ""))
        committee.rule(
            db.session,
            found,
            member=current_member(),
            ruling=ruling,
            comments=comments,
            today=clock.today(),
        )
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        return _page(appeal_id, error=exc.message, typed=comments), exc.status
    flash("The committee's ruling is recorded and the candidate is told.", "success")
    return redirect(url_for("committee.appeal", appeal_id=appeal_id))
