"""Failed jobs for administrators: the background jobs that used up their retries, and
sending one again.

Routes join the admin blueprint, whose before_request already requires an administrator; CSRF is
checked for every POST by the app's CSRFProtect.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services import job_failures
from portfolio.web.admin import bp
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

# What each job does, in words an administrator reads (unknown names are shown as they are).
JOB_LABELS = {
    "portfolio.jobs.uploads.verify_upload": "Check an uploaded file",
    "portfolio.jobs.uploads.join_upload": "Join a checked file's parts",
    "portfolio.jobs.uploads.check_part": "Read back a part of a file being sent",
    "portfolio.jobs.mail.deliver_outbox": "Send the emails that are due",
    "portfolio.jobs.uploads.sweep_checks": "Queue file checks again",
    "portfolio.jobs.uploads.expire_pending": "Expire unfinished uploads",
    "portfolio.jobs.uploads.reconcile": "Reconcile the file store",
    "portfolio.jobs.reviews.remind": "Remind reviewers",
    "portfolio.jobs.reviews.assign_waiting": "Assign waiting sets",
    "portfolio.jobs.reviews.close_expired": "Close expired sets",
    "portfolio.jobs.reviews.decide_expired": "Decide expired enrollments",
    "portfolio.jobs.uploads.delete_objects": "Delete stored files no record names",
}


JOB_COLUMNS = (
    ("Job", lambda f: JOB_LABELS.get(f.task_name, f.task_name)),
    ("For", lambda f: ", ".join(str(a) for a in f.arguments.get("args", []))),
    ("Last error", lambda f: f.error),
    ("Failed at", lambda f: f.failed_at),
)
JOB_LIST = job_failures.failure_list(JOB_LABELS)


@bp.get("/jobs", endpoint="jobs")
def jobs_page() -> str | Response:
    asked = list_request(JOB_LIST)
    if kind := export_format():
        rows = export_rows(job_failures.waiting_query(asked), asked)
        return export(kind, "failed-jobs", JOB_COLUMNS, rows)
    found = job_failures.waiting(db.session, asked)
    return render_template("admin/jobs.html", found=found, spec=JOB_LIST, labels=JOB_LABELS)


@bp.post("/jobs/<int:failure_id>/retry")
def retry_job(failure_id: int) -> Response:
    failure = job_failures.retry(db.session, failure_id, utcnow(), actor=current_user)
    label = JOB_LABELS.get(failure.task_name, failure.task_name)
    flash(f"Sent again: {label}.", "success")
    return redirect(url_for("admin.jobs"))
