"""Signing up, confirming, signing in and out, and resetting a forgotten password.

Pages a stranger can reach say the same thing whether or not an address is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.domain.accounts.passwords import check_password
from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db, limiter
from portfolio.services.accounts import users
from portfolio.services.accounts.tokens import InvalidLink
from portfolio.web.account_links import account_settings
from portfolio.web.auth_forms import (
    EmailRequestForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)
from portfolio.web.form_errors import show_error
from portfolio.web.redirects import landing_page, safe_next
from portfolio.web.sessions import end_session, start_session

bp = Blueprint("auth", __name__)

LimitValue = Callable[[], str]
View = TypeVar("View", bound=Callable[..., Any])

CHECK_EMAIL = {
    "register": "We have sent a message to the address you gave. Open the link in it to "
    "confirm your address and finish creating your account.",
    "forgot": "If an account uses that address, we have emailed it a link to choose a new "
    "password. The link works once.",
    "resend": "If that address has an account waiting for confirmation, we have emailed it a "
    "new link.",
}


def _sign_in_limit() -> str:
    return str(current_app.config["SIGN_IN_LIMIT"])


def _sign_in_address_limit() -> str:
    return str(current_app.config["SIGN_IN_ADDRESS_LIMIT"])


def _email_request_limit() -> str:
    # Caps the emails our forms send to one address (registration notes included).
    return str(current_app.config.get("EMAIL_REQUEST_LIMIT", "5 per hour"))


def _form_post_limit() -> str:
    return str(current_app.config.get("FORM_POST_LIMIT", "20 per minute"))


def _account_key() -> str:
    # Never empty: the limiter skips a limit whose key is empty.
    return "account:" + users.normalize_email(request.form.get("email", ""))[:254]


def _account_and_client_key() -> str:
    return f"{_account_key()}|client:{get_remote_address()}"


def _sent_email(response: Response) -> bool:
    return response.status_code == 302


def _failed_sign_in(response: Response) -> bool:
    return response.status_code != 302


def _sign_in_limited(view: View) -> View:
    """Only failed sign-ins count, per account and client address pair (SIGN_IN_LIMIT, several
    windows so the wait grows with the guessing) and per client address (SIGN_IN_ADDRESS_LIMIT).

    Someone guessing elsewhere can therefore never lock the owner out of their account, and
    people who share one address (a library behind NAT) are not limited by signing in.
    """
    view = limiter.limit(
        _sign_in_limit,
        key_func=_account_and_client_key,
        methods=["POST"],
        scope="sign-in",
        deduct_when=_failed_sign_in,
    )(view)
    return limiter.limit(
        _sign_in_address_limit,
        key_func=get_remote_address,
        methods=["POST"],
        scope="sign-in-client",
        deduct_when=_failed_sign_in,
    )(view)


def _limited(
    per_account: LimitValue, per_client: LimitValue, *, only_when_sent: bool = False
) -> Callable[[View], View]:
    """Rate limits on POSTs: one bucket per email address typed in, one per client address.

    With only_when_sent, the per-account bucket counts only posts that sent an email, so a
    person fixing a form's mistakes is never locked out.
    """
    deduct_when = _sent_email if only_when_sent else None

    def decorate(view: View) -> View:
        view = limiter.limit(
            per_account,
            key_func=_account_key,
            methods=["POST"],
            scope="account",
            deduct_when=deduct_when,
        )(view)
        return limiter.limit(
            per_client, key_func=get_remote_address, methods=["POST"], scope="client"
        )(view)

    return decorate


@bp.route("/register", methods=["GET", "POST"])
@_limited(_email_request_limit, _form_post_limit, only_when_sent=True)
def register() -> Response | tuple[str, int] | str:
    form = RegisterForm()
    valid = form.validate_on_submit()
    if form.is_submitted() and not valid:
        _check_password_too(form)
    if valid:
        try:
            users.register(
                db.session,
                account_settings(),
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
            )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            return redirect(url_for("auth.check_email", reason="register"))
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


def _check_password_too(form: RegisterForm) -> None:
    """A form refused for another field also says what is wrong with the password, so every
    problem is listed at once (the password rules live in domain.accounts.passwords)."""
    password = form.password.data or ""
    if not password or form.password.errors:
        return
    try:
        check_password(password, email=form.email.data or "", name=form.name.data or "")
    except InvalidInput as exc:
        form.password.errors = [*form.password.errors, exc.message]


@bp.get("/check-your-email")
def check_email() -> str:
    message = CHECK_EMAIL.get(request.args.get("reason", ""), CHECK_EMAIL["register"])
    return render_template("auth/check_email.html", message=message)


@bp.get("/confirm/<token>")
def confirm(token: str) -> Response | tuple[str, int]:
    try:
        user = users.confirm_email(db.session, account_settings(), token)
    except InvalidLink as exc:
        return link_problem(exc, retry="auth.resend_confirmation")
    if signed_in_as_someone_else(user):
        flash(
            f"The address {user.email} is confirmed. You are signed in with another account "
            f"({current_user.email}): sign out, then sign in with {user.email}.",
            "success",
        )
        return redirect(landing_page())
    flash("Your email address is confirmed. You can sign in now.", "success")
    return redirect(url_for("auth.sign_in"))


def signed_in_as_someone_else(user: object) -> bool:
    """The link was opened in a browser signed in with another account than its own."""
    return bool(current_user.is_authenticated and current_user.id != getattr(user, "id", None))


def link_problem(exc: InvalidLink, *, retry: str) -> tuple[str, int]:
    return render_template("auth/link_problem.html", message=exc.message, retry=retry), 400


@bp.route("/sign-in", methods=["GET", "POST"])
@_sign_in_limited
def sign_in() -> Response | tuple[str, int]:
    next_page = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_page or landing_page())
    form = SignInForm()
    unconfirmed = False
    status = 200
    if form.validate_on_submit():
        try:
            user = users.authenticate(db.session, form.email.data, form.password.data)
        except users.EmailNotConfirmed as exc:
            unconfirmed, status = True, exc.status
            form.form_errors.append(exc.message)
        except InvalidInput as exc:
            form.form_errors.append(exc.message)
        else:
            start_session(user, remember=form.remember.data)
            return redirect(next_page or landing_page())
    if form.errors and status == 200:
        status = 422
    resend_to = form.email.data if unconfirmed else None
    return render_template("auth/sign_in.html", form=form, resend_to=resend_to), status


@bp.post("/sign-out")
def sign_out() -> Response:
    if current_user.is_authenticated:
        # Ends this session and every other one of the same person (other devices too).
        users.end_sessions(current_user._get_current_object())
        end_session()
        flash("You are signed out.", "success")
    return redirect(url_for("public.home"))


@bp.route("/confirm/resend", methods=["GET", "POST"])
@_limited(_email_request_limit, _form_post_limit, only_when_sent=True)
def resend_confirmation() -> Response | tuple[str, int]:
    form = EmailRequestForm()
    if form.validate_on_submit():
        users.resend_confirmation(db.session, account_settings(), form.email.data)
        return redirect(url_for("auth.check_email", reason="resend"))
    status = 422 if form.errors else 200
    return render_template("auth/resend_confirmation.html", form=form), status


@bp.route("/forgot-password", methods=["GET", "POST"])
@_limited(_email_request_limit, _form_post_limit, only_when_sent=True)
def forgot_password() -> Response | tuple[str, int]:
    form = EmailRequestForm()
    if form.validate_on_submit():
        users.request_password_reset(db.session, account_settings(), form.email.data)
        return redirect(url_for("auth.check_email", reason="forgot"))
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | tuple[str, int]:
    settings = account_settings()
    try:
        user = users.user_for_reset(db.session, settings, token)
    except InvalidLink as exc:
        return link_problem(exc, retry="auth.forgot_password")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            users.reset_password(db.session, settings, token, form.password.data)
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            if current_user.is_authenticated:
                end_session()
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.sign_in"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form, user=user), status
