"""Appeals for the program office: every appeal with its stage, the step it waits for and its
deadline (overdue ones flagged), searched, filtered by stage and overdue, paged and exported like
every admin list; one appeal's file, the office's answer, and reconsidering a
certification decision the committee sent back. Routes join the admin blueprint (administrators
only); CSRF is checked for every POST by the app's CSRFProtect.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.appeals.grounds import GROUNDS_MAX
from portfolio.domain.appeals.stages import STAGE_LABELS
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.reasons import REASON_MAX
from portfolio.extensions import db
from portfolio.services.appeals import files, lists, office
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

APPEAL_COLUMNS = (
    ("Appeal", lambda r: r.id),
    ("Candidate", lambda r: r.candidate),
    ("Email", lambda r: r.email),
    ("Program", lambda r: r.program),
    ("Decision appealed", lambda r: r.case),
    ("Decided on", lambda r: r.decided_on),
    ("Notice filed at", lambda r: r.filed_at),
    ("Stage", lambda r: r.stage_label),
    ("Next step", lambda r: r.next.what if r.next else ""),
    ("Due by", lambda r: r.next.due_on if r.next else None),
    ("Overdue", lambda r: r.overdue),
)


@bp.get("/appeals")
def appeals() -> str | Response:
    spec = lists.APPEAL_LIST
    asked, today = list_request(spec), clock.today()
    if kind := export_format():
        rows = export_rows(lists.appeals_query(db.session, asked, today), asked)
        return export(kind, "appeals", APPEAL_COLUMNS, rows)
    return render_template(
        "admin/appeals/index.html",
        found=lists.list_appeals(db.session, asked, today),
        spec=spec,
        stages=lists.count_by_stage(db.session, today),
        overdue=lists.count_overdue(db.session, today),
        labels=STAGE_LABELS,
    )


@bp.get("/appeals/<int:appeal_id>")
def appeal(appeal_id: int) -> str:
    return _page(appeal_id)


def _page(appeal_id: int, *, error: str = "", typed: str = "") -> str:
    found = files.load_appeal(db.session, appeal_id)
    return render_template(
        "admin/appeals/show.html",
        file=files.appeal_file(db.session, found, clock.today()),
        error=error,
        typed=typed,
        response_max=GROUNDS_MAX,
        reason_max=REASON_MAX,
    )


@bp.post("/appeals/<int:appeal_id>/answer")
def answer_appeal(appeal_id: int) -> Response | tuple[str, int]:
    found = files.load_appeal(db.session, appeal_id)
    response = request.form.get("response", "")
    declines = request.form.get("declines") == "yes"
    try:
        office.answer(
            db.session,
            found,
            actor=current_admin(),
            response=response,
            declines=declines,
            today=clock.today(),
        )
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        return _page(appeal_id, error=exc.message, typed=response), exc.status
    flash("The office's answer is recorded; the appeal goes to the committee.", "success")
    return redirect(url_for("admin.appeal", appeal_id=appeal_id))


@bp.post("/appeals/<int:appeal_id>/reconsider")
def reconsider_appeal(appeal_id: int) -> Response | tuple[str, int]:
    found = files.load_appeal(db.session, appeal_id)
    reason = request.form.get("reason", "")
    choice = request.form.get("outcome", "")
    try:
        if choice not in ("stands", "changes"):
            raise InvalidInput("Choose whether the decision stands or changes.", field="outcome")
        office.reconsider(
            db.session,
            found,
            actor=current_admin(),
            change=choice == "changes",
            reason=reason,
            today=clock.today(),
        )
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        return _page(appeal_id, error=exc.message, typed=reason), exc.status
    flash("The reconsidered decision is recorded.", "success")
    return redirect(url_for("admin.appeal", appeal_id=appeal_id))
