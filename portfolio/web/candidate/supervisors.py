"""The candidate's side of supervision: whether a supervisor may see their evidence."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.extensions import db
from portfolio.services.applications import supervisors
from portfolio.web.candidate import bp


@bp.post("/supervisors/<int:link_id>/sharing")
def supervisor_sharing(link_id: int) -> Response:
    user = current_user._get_current_object()
    link = supervisors.get_own_link(db.session, user, link_id)
    shares = request.form.get("shares_evidence") == "yes"
    supervisors.set_sharing(db.session, link, shares=shares, actor=user)
    if shares:
        flash(f"{link.email} can now see your evidence.", "success")
    else:
        flash(
            f"{link.email} can no longer see your evidence; they still see your progress.",
            "success",
        )
    return redirect(url_for("candidate.dashboard", _anchor="supervisors"))
