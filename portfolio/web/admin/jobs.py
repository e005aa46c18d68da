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

SHOWN = 100
# What each job does, in words an administrator reads (unknown names are shown as they are).
JOB_LABELS = {
    "portfolio.jobs.uploads.verify_upload": "Check an uploaded file",
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


@bp.get("/jobs", endpoint="jobs")
def jobs_page() -> str:
    rows, total = job_failures.waiting(db.session, limit=SHOWN)
    return render_template("admin/jobs.html", rows=rows, total=total, labels=JOB_LABELS)


@bp.post("/jobs/<int:failure_id>/retry")
def retry_job(failure_id: int) -> Response:
    failure = job_failures.retry(db.session, failure_id, utcnow(), actor=current_user)
    label = JOB_LABELS.get(failure.task_name, failure.task_name)
    flash(f"Sent again: {label}.", "success")
    return redirect(url_for("admin.jobs"))
