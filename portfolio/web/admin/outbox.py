"""The outbox for administrators: emails that failed or wait too long (searched, filtered,
paged and downloadable like every admin list; never their bodies), and retrying one.

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
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

OUTBOX_COLUMNS = (
    ("Recipient", lambda m: m.recipient),
    ("Subject", lambda m: m.subject),
    ("Status", lambda m: "Failed" if m.status == "failed" else "Waiting"),
    ("Attempts", lambda m: m.attempts),
    ("Last error", lambda m: m.last_error),
    ("Queued at", lambda m: m.created_at),
    ("Next try at", lambda m: m.next_attempt_at if m.status != "failed" else None),
)


@bp.get("/outbox", endpoint="outbox")
def outbox_page() -> str | Response:
    spec = outbox.OUTBOX_LIST
    asked, now = list_request(spec), utcnow()
    if kind := export_format():
        rows = export_rows(outbox.attention_query(asked, now), asked)
        return export(kind, "outbox", OUTBOX_COLUMNS, rows)
    found = outbox.needing_attention(db.session, asked, now)
    return render_template("admin/outbox.html", found=found, spec=spec)


@bp.post("/outbox/<int:message_id>/retry")
def retry_message(message_id: int) -> Response:
    message = outbox.retry(db.session, message_id, utcnow())
    flash(f"The email to {message.recipient} will be sent again now.", "success")
    return redirect(url_for("admin.outbox"))
