"""Recognition agreements: the office records a college program of study and the sets it
covers; graduates then hand in transcripts (checked on the courses page)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.errors import DomainError, InvalidInput
from portfolio.extensions import db
from portfolio.services.courses import recognition
from portfolio.services.programs.queries import get_framework, published_programs
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin
from portfolio.web.exports import export, export_format

FIELDS = ("program", "college", "program_name", "valid_from", "valid_until", "note")


def _day(raw: str) -> date | None:
    raw = raw.strip()
    if len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _page(error: str = "", field: str = "", values: dict[str, object] | None = None) -> str:
    return render_template(
        "admin/recognition_agreements.html",
        agreements=recognition.agreements(db.session),
        programs=published_programs(db.session),
        error=error,
        error_field=field,
        values=values or {},
    )


AGREEMENT_COLUMNS = (
    ("College", lambda a: a.college),
    ("Program of study", lambda a: a.program_name),
    ("Sets covered", lambda a: ", ".join(s.code for s in a.sets)),
    ("Valid from", lambda a: a.valid_from),
    ("Valid until", lambda a: a.valid_until),
    ("Note", lambda a: a.note),
)


@bp.get("/recognition-agreements")
def recognition_agreements() -> str | Response:
    if kind := export_format():
        rows = recognition.agreements(db.session)
        return export(kind, "recognition-agreements", AGREEMENT_COLUMNS, rows)
    return _page()


@bp.post("/recognition-agreements")
def record_agreement() -> Response | tuple[str, int]:
    values: dict[str, object] = {key: request.form.get(key, "")[:2100] for key in FIELDS}
    codes = [code[:30] for code in request.form.getlist("sets")[:50]]
    values["sets"] = codes
    try:
        framework = get_framework(db.session, str(values["program"])[:60], include_drafts=False)
        if framework is None:
            raise InvalidInput("Choose a published program.", field="program")
        valid_until_raw = str(values["valid_until"]).strip()
        valid_until = _day(valid_until_raw)
        if valid_until_raw and valid_until is None:
            raise InvalidInput("Write the end date as YYYY-MM-DD.", field="valid_until")
        agreement = recognition.record_agreement(
            db.session,
            framework,
            college=str(values["college"]),
            program_name=str(values["program_name"]),
            set_codes=codes,
            valid_from=_day(str(values["valid_from"])),
            valid_until=valid_until,
            note=str(values["note"]),
            actor=current_admin(),
        )
    except DomainError as exc:
        db.session.rollback()
        return _page(exc.message, exc.field or "", values), exc.status
    flash(
        f"The agreement with {agreement.college} ({agreement.program_name}) is recorded.",
        "success",
    )
    return redirect(url_for("admin.recognition_agreements"))
