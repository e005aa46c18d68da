"""Submitting a set (a summary to confirm first) and the candidate's read-only submissions."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.extensions import db
from portfolio.models import EnrollmentSet
from portfolio.models.base import utcnow
from portfolio.services.portfolios import entries as portfolios
from portfolio.services.portfolios import submissions
from portfolio.web.candidate import bp, loaders
from portfolio.web.candidate.portfolio_forms import ConfirmForm
from portfolio.web.text_filters import saved_excerpt


@bp.get("/portfolio/sets/<int:enrollment_set_id>/submit")
def confirm_submit(enrollment_set_id: int) -> tuple[str, int]:
    enrollment_set = loaders.load_own_enrollment_set(enrollment_set_id)
    return _confirm_page(enrollment_set)


@bp.post("/portfolio/sets/<int:enrollment_set_id>/submit")
def submit(enrollment_set_id: int) -> Response | tuple[str, int]:
    enrollment_set = loaders.load_own_enrollment_set(enrollment_set_id)
    form = ConfirmForm()
    if not form.validate():
        return _confirm_page(enrollment_set, status=400)
    try:
        submission = submissions.submit_set(
            db.session, enrollment_set, current_user._get_current_object(), utcnow().date()
        )
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        enrollment_set = loaders.load_own_enrollment_set(enrollment_set_id)
        return _confirm_page(enrollment_set, alert=exc.message, status=exc.status)
    code = enrollment_set.competency_set.code
    flash(
        f"{code} is submitted. This copy is frozen: later edits change your draft, not it.",
        "success",
    )
    return redirect(url_for("candidate.submission", submission_id=submission.id))


def _confirm_page(
    enrollment_set: EnrollmentSet, *, alert: str | None = None, status: int = 200
) -> tuple[str, int]:
    # Only reads: None until a set's portfolio route is chosen (the page then refuses).
    portfolio = portfolios.find_portfolio(db.session, enrollment_set.enrollment)
    entries = portfolios.entries_by_competency(portfolio) if portfolio is not None else {}
    problems = submissions.submission_problems(portfolio, enrollment_set)
    refusal = submissions.submit_refusal(enrollment_set, utcnow().date())
    html = render_template(
        "candidate/submit_confirm.html",
        enrollment_set=enrollment_set,
        status_label=enrollment_set.status.label,
        portfolio=portfolio,
        statement_excerpt=(
            saved_excerpt(
                portfolio.learning_statement, portfolios.statement_rendered(portfolio), 400
            )
            if portfolio
            else ""
        ),
        evidence=portfolios.evidence_for_set(portfolio, enrollment_set),
        entries=entries,
        problems=problems,
        refusal=refusal,
        # A 422 names the same gaps as `problems`, which the page lists already.
        alert=None if status == 422 and problems else alert,
        form=ConfirmForm(formdata=None),
        can_submit=refusal is None and not problems,
        attempts=submissions.attempts_left(enrollment_set),
    )
    return html, status


@bp.get("/submissions/<int:submission_id>")
def submission(submission_id: int) -> str:
    """A frozen snapshot exactly as sent; nothing on this page can change it."""
    submission = loaders.load_own_submission(submission_id)
    snapshot = read_snapshot(submission.snapshot, submission.snapshot_sha256)
    return render_template(
        "candidate/portfolio_submission.html",
        submission=submission,
        snapshot=snapshot,
        texts=submissions.submitted_html(submission, snapshot),
        own_files=submissions.own_files(db.session, current_user._get_current_object(), snapshot),
    )
