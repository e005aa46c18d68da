"""The committee's queue of appeals, one appeal's file, and the ruling.

A member who reviewed or decided the case is refused with the reason (403) on the page and on
the ruling, before anything is shown or changed.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.appeals.grounds import GROUNDS_MAX
from portfolio.domain.appeals.stages import AppealStage
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.extensions import db
from portfolio.services.appeals import committee, files, lists
from portfolio.web import clock
from portfolio.web.committee import bp, current_member
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

COMMITTEE_COLUMNS = (
    ("Appeal", lambda r: r.id),
    ("Candidate", lambda r: r.candidate),
    ("Program", lambda r: r.program),
    ("Decision appealed", lambda r: r.case),
    ("Rule by", lambda r: r.next.due_on if r.next else None),
    ("Overdue", lambda r: r.overdue),
)


@bp.get("/")
def queue() -> str | Response:
    """The appeals with the committee: the office's list of appeals, at that stage only."""
    spec = lists.COMMITTEE_LIST
    asked, today = list_request(spec), clock.today()
    if kind := export_format():
        query = lists.appeals_query(db.session, asked, today, only=AppealStage.WITH_COMMITTEE)
        return export(kind, "committee-appeals", COMMITTEE_COLUMNS, export_rows(query, asked))
    return render_template(
        "committee/queue.html",
        found=lists.committee_queue(db.session, asked, today),
        spec=spec,
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
