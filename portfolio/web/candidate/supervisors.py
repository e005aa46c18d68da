"""The candidate's side of supervision: inviting or changing a supervisor after applying, and
whether a supervisor may see their evidence."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Form, StringField
from wtforms.validators import DataRequired, Length

from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db
from portfolio.models import User
from portfolio.services.applications import supervisors
from portfolio.web.candidate import bp
from portfolio.web.form_errors import show_error
from portfolio.web.supervisor import invitation_settings


class SupervisorForm(Form):
    email = StringField(
        "Your supervisor's email address",
        [DataRequired("Enter your supervisor's email address."), Length(max=254)],
    )


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _page(form: SupervisorForm) -> str:
    links = supervisors.candidate_links(db.session, _me())
    return render_template("candidate/supervisors.html", links=links, form=form)


@bp.get("/supervisors")
def supervisors_page() -> str:
    return _page(SupervisorForm(prefix="supervisor"))


@bp.post("/supervisors")
def invite_supervisor() -> Response | tuple[str, int]:
    form = SupervisorForm(request.form, prefix="supervisor")
    if form.validate():
        try:
            link = supervisors.invite_after_applying(
                db.session, _me(), form.email.data or "", invitation_settings()
            )
        except InvalidInput as exc:
            show_error(form, exc)  # type: ignore[arg-type]
        else:
            flash(f"Invitation sent to {link.email}.", "success")
            return redirect(url_for("candidate.supervisors_page"))
    return _page(form), 422


@bp.post("/supervisors/<int:link_id>/remove")
def remove_supervisor(link_id: int) -> Response:
    link = supervisors.get_own_link(db.session, _me(), link_id)
    email = link.email
    supervisors.remove_link(db.session, link, actor=_me())
    flash(f"{email} no longer follows your progress.", "success")
    return redirect(url_for("candidate.supervisors_page"))


@bp.post("/supervisors/<int:link_id>/sharing")
def supervisor_sharing(link_id: int) -> Response:
    user = _me()
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
