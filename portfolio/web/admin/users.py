"""People and roles: administrators list people and grant or revoke roles (all audited).

Routes join the admin blueprint, whose before_request already requires an administrator.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from portfolio.domain.errors import InvalidInput, NotFound
from portfolio.extensions import db
from portfolio.models import Role, User
from portfolio.services.accounts import directory, roles
from portfolio.web import access
from portfolio.web.admin import bp
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request
from portfolio.web.params import is_small_int

ROLE_VALUES = [role.value for role in Role]


class ListState(FlaskForm):
    """Where to return afterwards: the search and page the administrator was on."""

    q = HiddenField(validators=[Length(max=200)])
    page = HiddenField(validators=[Length(max=10)])


class GrantRoleForm(ListState):
    # The template draws the <select> itself, offering only the roles the person lacks.
    role = StringField("Role to grant", validators=[DataRequired(), AnyOf(ROLE_VALUES)])


def _load_person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    access.require_found(user)
    assert user is not None
    return user


def _back_to_list(form: ListState) -> Response:
    page = form.page.data if is_small_int(form.page.data) else None
    return redirect(url_for("admin.users", q=form.q.data or None, page=page))


PEOPLE_COLUMNS = (
    ("Name", lambda u: u.name),
    ("Email", lambda u: u.email),
    ("Email confirmed", lambda u: u.is_confirmed),
    ("Roles", lambda u: ", ".join(sorted(role.value for role in u.role_names))),
    ("Joined at", lambda u: u.created_at),
)


@bp.get("/users")
def users() -> str | Response:
    spec = directory.PEOPLE_LIST
    asked = list_request(spec)
    if kind := export_format():
        rows = export_rows(directory.people_query(asked), asked)
        return export(kind, "people", PEOPLE_COLUMNS, rows)
    return render_template(
        "admin/users.html",
        found=directory.list_people(db.session, asked),
        spec=spec,
        roles=list(Role),
        me=current_user,
    )


@bp.post("/users/<int:user_id>/roles")
def grant_role(user_id: int) -> Response:
    person = _load_person(user_id)
    form = GrantRoleForm()
    if not form.validate_on_submit():
        raise InvalidInput("Choose one of the roles to grant.", field="role")
    role = Role(form.role.data)
    if roles.grant_role(
        db.session, actor=current_user._get_current_object(), user=person, role=role
    ):
        flash(f"{person.name} is now {role.value}.", "success")
    else:
        flash(f"{person.name} already holds the {role.value} role.", "info")
    return _back_to_list(form)


@bp.post("/users/<int:user_id>/roles/<role_name>/revoke")
def revoke_role(user_id: int, role_name: str) -> Response:
    person = _load_person(user_id)
    if role_name not in {role.value for role in Role}:
        raise NotFound("There is no such role.")
    form = ListState()
    if not form.validate_on_submit():
        raise InvalidInput("This form could not be read. Reload the page and try again.")
    role = Role(role_name)
    if roles.revoke_role(
        db.session, actor=current_user._get_current_object(), user=person, role=role
    ):
        flash(f"{person.name} no longer holds the {role.value} role.", "success")
    else:
        flash(f"{person.name} did not hold the {role.value} role.", "info")
    return _back_to_list(form)
