"""The at-risk list for administrators (services.reporting.at_risk)."""

from __future__ import annotations

from flask import render_template

from portfolio.extensions import db
from portfolio.services.reporting import at_risk
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.listing import list_request


@bp.get("/at-risk")
def at_risk_list() -> str:
    spec = at_risk.AT_RISK_LIST
    found = at_risk.list_at_risk(db.session, list_request(spec), clock.today())
    return render_template("admin/at_risk.html", found=found, spec=spec)
