"""A signed-in person's personal access tokens for the JSON API: make one (shown once), see
them, revoke one. The rules live in services.accounts.api_tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, StringField, widgets
from wtforms.fields import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from portfolio.domain.accounts.api_tokens import (
    DEFAULT_LIFETIME_DAYS,
    LIFETIMES_DAYS,
    MAX_NAME_LENGTH,
    offered_scopes,
)
from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.accounts import api_tokens
from portfolio.web.form_errors import show_error

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NewTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            Length(max=MAX_NAME_LENGTH, message=f"Use at most {MAX_NAME_LENGTH} characters.")
        ],
    )
    scopes = CheckboxesField("What the token may do", validate_choice=False)
    lifetime = RadioField(
        "Expires after",
        choices=[SelectChoice(str(days), f"{days} days") for days in LIFETIMES_DAYS],
        default=str(DEFAULT_LIFETIME_DAYS),
        validate_choice=False,
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: pressing the button is the confirmation."""


def _form(*, from_request: bool) -> NewTokenForm:
    form = NewTokenForm() if from_request else NewTokenForm(formdata=None)
    roles = [str(role) for role in current_user.role_names]
    form.scopes.choices = [
        SelectChoice(info.scope.value, info.label) for info in offered_scopes(roles)
    ]
    return form


def _page(form: NewTokenForm, made: api_tokens.MadeToken | None = None, status: int = 200):
    user = current_user._get_current_object()
    html = render_template(
        "account/tokens.html",
        form=form,
        revoke_form=RevokeForm(formdata=None),
        tokens=api_tokens.owned_tokens(db.session, user),
        made=made,
        now=utcnow(),
    )
    return html, status


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    return _page(_form(from_request=False))


@bp.post("")
@login_required
def create() -> tuple[str, int]:
    form = _form(from_request=True)
    if form.validate_on_submit():
        lifetime = form.lifetime.data or ""
        days = int(lifetime) if lifetime.isascii() and lifetime.isdecimal() else 0
        try:
            made = api_tokens.create_token(
                db.session,
                current_user._get_current_object(),
                name=form.name.data or "",
                scopes=form.scopes.data or [],
                lifetime_days=days if len(lifetime) < 4 else 0,
                now=utcnow(),
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            # Shown on this response only: the token is not stored, so no redirect can show it.
            return _page(_form(from_request=False), made=made)
    return _page(form, status=422)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response | tuple[str, int]:
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(_form(from_request=False), status=400)
    token = api_tokens.revoke_token(
        db.session, current_user._get_current_object(), token_id, utcnow()
    )
    flash(f"The token “{token.name}” is revoked: it no longer works.", "success")
    return redirect(url_for("api_tokens.index"))
