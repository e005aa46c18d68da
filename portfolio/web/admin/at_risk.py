"""The at-risk list for administrators (services.reporting.at_risk)."""

from __future__ import annotations

from flask import Response, render_template

from portfolio.extensions import db
from portfolio.services.reporting import at_risk
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

AT_RISK_COLUMNS = (
    ("Candidate", lambda r: r.candidate),
    ("Email", lambda r: r.email),
    ("Program", lambda r: r.program),
    ("Window ends on", lambda r: r.window_ends_on),
    ("Last activity", lambda r: r.last_activity),
    ("Why", lambda r: "; ".join(r.reasons)),
    ("Still missing", lambda r: r.missing),
)


@bp.get("/at-risk")
def at_risk_list() -> str | Response:
    spec = at_risk.AT_RISK_LIST
    asked, today = list_request(spec), clock.today()
    if kind := export_format():
        rows = export_rows(at_risk.at_risk_query(db.session, asked, today), asked)
        return export(kind, "at-risk", AT_RISK_COLUMNS, rows)
    found = at_risk.list_at_risk(db.session, asked, today)
    return render_template("admin/at_risk.html", found=found, spec=spec)
