"""The outbox for administrators: emails that failed or wait too long, and retrying one.

Routes join the admin blueprint, whose before_request already requires an administrator; CSRF is
checked for every POST by the app's CSRFProtect. Bodies are never shown (they hold reset links).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services import outbox
from portfolio.web.admin import bp

SHOWN = 100


@bp.get("/outbox", endpoint="outbox")
def outbox_page() -> str:
    rows, total = outbox.needing_attention(db.session, utcnow(), limit=SHOWN)
    return render_template("admin/outbox.html", rows=rows, total=total)


@bp.post("/outbox/<int:message_id>/retry")
def retry_message(message_id: int) -> Response:
    message = outbox.retry(db.session, message_id, utcnow())
    flash(f"The email to {message.recipient} will be sent again now.", "success")
    return redirect(url_for("admin.outbox"))
