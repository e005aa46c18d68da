"""Who is signed in: Flask-Login wiring and session hygiene."""

from __future__ import annotations

import secrets

from flask import Flask, flash, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_login import login_url, login_user, logout_user
from sqlalchemy.orm import joinedload

from portfolio.extensions import db, login_manager
from portfolio.models import User
from portfolio.web.errors import is_background_request, signed_out_response
from portfolio.web.params import is_small_int


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def unauthorized() -> ResponseReturnValue:
        # A script (autosave) gets a 401 it can act on; a page goes to sign-in and back.
        if is_background_request():
            return signed_out_response()
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, next_url=request.url))

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        user_id, _, epoch = token.partition(":")
        if not is_small_int(user_id) or not is_small_int(epoch):
            return None
        # Every page asks for the roles: one query with the account rather than one more.
        user = db.session.get(User, int(user_id), options=[joinedload(User.roles)])
        # A bumped epoch ends every session and remember cookie issued before it.
        if user is None or user.session_epoch != int(epoch):
            return None
        return user


def start_session(user: User, *, remember: bool) -> None:
    """Sign `user` in with a fresh session, so nothing from before sign-in carries over."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(24)
    login_user(user, remember=remember)


def end_session() -> None:
    session.clear()
    # After the clear, so the note that tells Flask-Login to delete the remember cookie survives.
    logout_user()
