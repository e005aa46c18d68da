"""A signed-in person's notifications, and the one-click unsubscribe links of emails.

The list and marking read need a session and only ever touch the caller's own notifications
(anyone else's id is a 404). The unsubscribe link works without signing in: its signed token is
the proof. A GET only shows what it would do; the POST (from the page's button, or from a mail
program following RFC 8058, which sends no CSRF token) turns the emails off.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portfolio.extensions import csrf, db
from portfolio.models.base import utcnow
from portfolio.services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("")
@login_required
def index() -> str:
    items = notifications.recent(db.session, current_user.id)
    unread = notifications.unread_count(db.session, current_user.id)
    return render_template("notifications/index.html", items=items, unread=unread)


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> Response:
    notifications.mark_read(db.session, current_user.id, notification_id, utcnow())
    return redirect(url_for("notifications.index") + f"#notification-{notification_id}")


@bp.post("/read")
@login_required
def mark_all_read() -> Response:
    count = notifications.mark_all_read(db.session, current_user.id, utcnow())
    flash(
        f"Marked {count} notification{'' if count == 1 else 's'} as read."
        if count
        else "There was nothing unread.",
        "success",
    )
    return redirect(url_for("notifications.index"))


@bp.get("/unsubscribe/<token>")
def confirm_unsubscribe(token: str) -> str:
    user, kinds = notifications.describe_token(db.session, token)
    return render_template(
        "notifications/unsubscribe.html", token=token, email=user.email, kinds=kinds, done=False
    )


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" and nothing more
def unsubscribe(token: str) -> str:
    user, kinds = notifications.unsubscribe(db.session, token)
    return render_template(
        "notifications/unsubscribe.html", token=token, email=user.email, kinds=kinds, done=True
    )
