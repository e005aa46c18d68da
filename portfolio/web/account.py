"""A signed-in person's own account: change name, password, email address, email choices."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portfolio.domain.errors import DomainError, InvalidInput
from portfolio.domain.notifications import always_sent_kinds
from portfolio.extensions import db
from portfolio.services import notifications
from portfolio.services.accounts import names, users
from portfolio.services.accounts.tokens import InvalidLink
from portfolio.web.account_links import account_settings
from portfolio.web.auth import link_problem, signed_in_as_someone_else
from portfolio.web.auth_forms import ChangeEmailForm, ChangeNameForm, ChangePasswordForm
from portfolio.web.form_errors import show_error
from portfolio.web.notification_forms import choices_of, preferences_form
from portfolio.web.redirects import landing_page
from portfolio.web.sessions import start_session

bp = Blueprint("account", __name__, url_prefix="/account")


def _settings_page(
    password_form: ChangePasswordForm | None = None,
    email_form: ChangeEmailForm | None = None,
    name_form: ChangeNameForm | None = None,
    status: int | None = None,
) -> tuple[str, int]:
    password_form = password_form or ChangePasswordForm(formdata=None)
    email_form = email_form or ChangeEmailForm(formdata=None)
    user = current_user._get_current_object()
    name_form = name_form or ChangeNameForm(formdata=None, data={"name": user.name})
    if status is None:
        status = 422 if password_form.errors or email_form.errors or name_form.errors else 200
    html = render_template(
        "account/settings.html",
        user=user,
        password_form=password_form,
        email_form=email_form,
        name_form=name_form,
        name_on_certificate=names.holds_a_certificate(db.session, user),
        office_email=current_app.config.get("OFFICE_EMAIL", ""),
    )
    return html, status


@bp.post("/name")
@login_required
def change_name() -> Response | tuple[str, int]:
    form = ChangeNameForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            name = names.change_own_name(db.session, user, form.name.data)
        except DomainError as exc:
            show_error(form, exc)
            return _settings_page(name_form=form, status=exc.status)
        flash(f"Your name is now {name}.", "success")
        return redirect(url_for("account.settings"))
    return _settings_page(name_form=form)


@bp.get("")
@login_required
def settings() -> tuple[str, int]:
    return _settings_page()


@bp.post("/password")
@login_required
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            users.change_password(
                db.session,
                account_settings(),
                user,
                current=form.current_password.data,
                new=form.new_password.data,
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            # The new epoch ended every session; this one starts again under it.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            start_session(user, remember=remembered in request.cookies)
            flash("Your password is changed. Every other session was signed out.", "success")
            return redirect(url_for("account.settings"))
    return _settings_page(password_form=form)


@bp.post("/email")
@login_required
def change_email() -> Response | tuple[str, int]:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            users.request_email_change(
                db.session,
                account_settings(),
                current_user._get_current_object(),
                new_email=form.new_email.data,
                password=form.password.data,
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(
                "We have emailed a link to the new address. Your address changes when you open "
                "it; until then, keep using the old one.",
                "success",
            )
            return redirect(url_for("account.settings"))
    return _settings_page(email_form=form)


@bp.get("/email/confirm/<token>")
def confirm_email_change(token: str) -> Response | tuple[str, int]:
    """Opened from the email, perhaps on another device: the signed token is the proof."""
    try:
        user = users.confirm_email_change(db.session, account_settings(), token)
    except InvalidLink as exc:
        return link_problem(exc, retry="account.settings")
    if signed_in_as_someone_else(user):
        flash(
            f"The email address of the account is now {user.email}. You are signed in with "
            f"another account ({current_user.email}): sign out, then sign in with {user.email}.",
            "success",
        )
        return redirect(landing_page())
    flash(f"Your email address is now {user.email}.", "success")
    if current_user.is_authenticated:
        return redirect(url_for("account.settings"))
    return redirect(url_for("auth.sign_in"))


def _preferences_page(form: object, status: int = 200) -> tuple[str, int]:
    always = always_sent_kinds(str(role) for role in current_user.role_names)
    return render_template("account/notifications.html", form=form, always=always), status


@bp.get("/notifications")
@login_required
def notification_preferences() -> tuple[str, int]:
    current = notifications.preferences(db.session, current_user._get_current_object())
    return _preferences_page(preferences_form(current))


@bp.post("/notifications")
@login_required
def save_notification_preferences() -> Response | tuple[str, int]:
    user = current_user._get_current_object()
    current = notifications.preferences(db.session, user)
    form = preferences_form(current, from_request=True)
    if form.validate_on_submit():
        try:
            notifications.set_preferences(db.session, user, choices_of(form, list(current)))
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash("Your email choices are saved.", "success")
            return redirect(url_for("account.notification_preferences"))
    return _preferences_page(form, 422)
