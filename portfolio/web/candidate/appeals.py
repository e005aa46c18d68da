"""The candidate's appeals: their decisions that can be appealed (with the deadlines), filing
the notice of intent, attaching files and filing the grounds, and following each step.

Every id in a URL is loaded as the candidate's own or answers 404, exactly like a missing one.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.domain.appeals.deadlines import NO_PROCEDURE, notice_refusal
from portfolio.domain.appeals.grounds import GROUNDS_MAX, GROUNDS_MIN
from portfolio.domain.errors import Conflict, DomainError, InvalidInput
from portfolio.extensions import db
from portfolio.models import User
from portfolio.services.appeals import cases, files, filing, lists
from portfolio.services.appeals.cases import Case
from portfolio.web import clock
from portfolio.web.candidate import bp
from portfolio.web.candidate.portfolio_autosave import json_error
from portfolio.web.params import is_small_int


def _me() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


@bp.get("/appeals")
def appeals() -> str:
    rows = lists.candidate_decisions(db.session, _me(), clock.today())
    return render_template("candidate/appeals.html", rows=rows)


@bp.get("/appeals/outcomes/<int:submission_id>")
def appeal_outcome(submission_id: int) -> str | Response:
    return _case_page(cases.outcome_case(db.session, submission_id, _me()))


@bp.get("/appeals/decisions/<int:decision_id>")
def appeal_decision(decision_id: int) -> str | Response:
    return _case_page(cases.decision_case(db.session, decision_id, _me()))


def _case_page(case: Case) -> str | Response:
    existing = filing.appeal_of(db.session, case)
    if existing is not None:
        return redirect(url_for("candidate.appeal", appeal_id=existing.id))
    closed = (
        NO_PROCEDURE
        if case.rules is None
        else notice_refusal(case.decided_on, clock.today(), case.rules)
    )
    return render_template(
        "candidate/appeal_case.html",
        case=case,
        deadlines=files.case_deadlines(case),
        closed=closed,
    )


@bp.post("/appeals/outcomes/<int:submission_id>/notice")
def file_outcome_notice(submission_id: int) -> Response:
    case = cases.outcome_case(db.session, submission_id, _me())
    return _file_notice(case)


@bp.post("/appeals/decisions/<int:decision_id>/notice")
def file_decision_notice(decision_id: int) -> Response:
    case = cases.decision_case(db.session, decision_id, _me())
    return _file_notice(case)


def _file_notice(case: Case) -> Response:
    appeal = filing.file_notice(db.session, case, candidate=_me(), today=clock.today())
    flash("Your notice of intent to appeal is filed. Now file the full grounds.", "success")
    return redirect(url_for("candidate.appeal", appeal_id=appeal.id))


@bp.get("/appeals/<int:appeal_id>")
def appeal(appeal_id: int) -> str:
    return _appeal_page(appeal_id)


def _appeal_page(appeal_id: int, *, error: str = "", grounds: str = "") -> str:
    found = files.load_appeal(db.session, appeal_id, _me())
    return render_template(
        "candidate/appeal.html",
        file=files.appeal_file(db.session, found, clock.today()),
        error=error,
        grounds=grounds,
        grounds_min=GROUNDS_MIN,
        grounds_max=GROUNDS_MAX,
    )


@bp.post("/appeals/<int:appeal_id>/attachments")
def attach_to_appeal(appeal_id: int) -> Response | tuple[Response, int]:
    """Attach a verified upload (the upload widget posts {"upload_id": ...} as JSON)."""
    found = files.load_appeal(db.session, appeal_id, _me())
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    upload_id = data.get("upload_id") if isinstance(data, dict) else None
    if isinstance(upload_id, str) and is_small_int(upload_id):
        upload_id = int(upload_id)
    try:
        attachment = filing.attach_file(
            db.session, found, candidate=_me(), upload_id=upload_id, today=clock.today()
        )
    except DomainError as exc:
        db.session.rollback()
        return json_error(exc)
    return jsonify(attachment_id=attachment.id, name=attachment.upload.original_name), 201


@bp.post("/appeals/<int:appeal_id>/grounds")
def file_appeal_grounds(appeal_id: int) -> Response | tuple[str, int]:
    found = files.load_appeal(db.session, appeal_id, _me())
    grounds = request.form.get("grounds", "")
    try:
        filing.file_grounds(
            db.session, found, candidate=_me(), grounds=grounds, today=clock.today()
        )
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        return _appeal_page(appeal_id, error=exc.message, grounds=grounds), exc.status
    flash("The grounds of your appeal are filed.", "success")
    return redirect(url_for("candidate.appeal", appeal_id=appeal_id))
