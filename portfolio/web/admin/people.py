"""One page per person for administrators (services.reporting.person), where the office also
changes a person's name (a typo, a legal change), with a written reason."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from portfolio.domain.errors import DomainError
from portfolio.extensions import db
from portfolio.models import User
from portfolio.services.accounts import names
from portfolio.services.reporting.person import SECTION_LIMIT, PersonFile, person_file
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import REASON, current_admin, require_found
from portfolio.web.auth_forms import name_field
from portfolio.web.form_errors import show_error


class PersonNameForm(FlaskForm):
    name = name_field("New name", required="Enter the name.", autocomplete="off")
    reason = TextAreaField("Why it changes", validators=REASON)


@bp.get("/people/<int:user_id>")
def person(user_id: int) -> str:
    return render_person(person_file(db.session, user_id))


def render_person(file: PersonFile, form: PersonNameForm | None = None) -> str:
    """The person's page; `form` is the name form as posted, else one holding the name now
    (bench/reports.py renders its baseline through this too)."""
    form = form or PersonNameForm(formdata=None, data={"name": file.person.name})
    return render_template("admin/person.html", file=file, limit=SECTION_LIMIT, name_form=form)


@bp.post("/people/<int:user_id>/name")
def change_person_name(user_id: int) -> Response | tuple[str, int]:
    person = db.session.get(User, user_id)
    require_found(person, "person")
    form = PersonNameForm()
    if form.validate_on_submit():
        try:
            name = names.change_name_for(
                db.session, person, form.name.data, actor=current_admin(), reason=form.reason.data
            )
        except DomainError as exc:
            show_error(form, exc)
            return render_person(person_file(db.session, user_id), form), exc.status
        flash(f"The name is now {name}.", "success")
        return redirect(url_for("admin.person", user_id=user_id))
    return render_person(person_file(db.session, user_id), form), 422
