"""Renewals for the program office: renewals due, in progress, renewed and lapsed per quarter
(searched, sorted, paged and downloadable like every admin list), and one application's
review: accept each activity or ask for its proof with a reason, record the renewal fee,
approve.

Routes join the admin blueprint, whose before_request already requires an administrator; CSRF
is checked for every POST by the app's CSRFProtect.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.errors import DomainError
from portfolio.domain.reasons import REASON_MAX, REASON_MIN
from portfolio.domain.renewal.quarters import RenewalStage, quarter_of
from portfolio.extensions import db
from portfolio.models import RenewalStatus
from portfolio.models.base import utcnow
from portfolio.services.renewal import overview, review
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request

RENEWAL_COLUMNS = (
    ("Holder", lambda r: r.certificate.user.name),
    ("Email", lambda r: r.certificate.user.email),
    ("Certificate", lambda r: r.certificate.number),
    ("Program", lambda r: r.certificate.framework.name),
    (
        "Expires on",
        lambda r: r.renewal.cycle_expires_on if _renewed(r) else r.certificate.expires_on,
    ),
    ("Now valid until", lambda r: r.certificate.expires_on if _renewed(r) else None),
    ("Lapsed on", lambda r: r.certificate.lapsed_on),
    ("Renewal applied at", lambda r: r.renewal.submitted_at if r.renewal else None),
    ("Renewal status", lambda r: r.renewal.status.label if r.renewal else "Not applied"),
)


@bp.context_processor
def _renewals_waiting() -> dict[str, object]:
    # A callable, so only the page that shows the number (the admin index) runs the count.
    return {"renewals_waiting_count": lambda: overview.count_waiting_for_the_office(db.session)}


def _renewed(row: overview.RenewalRow) -> bool:
    return row.renewal is not None and row.renewal.status is RenewalStatus.APPROVED


@bp.get("/renewals")
def renewals() -> str | Response:
    today = clock.today()
    spec = overview.renewal_list(db.session, today)
    asked = list_request(spec)
    if kind := export_format():
        rows = export_rows(overview.renewals_query(asked), asked)
        return export(kind, "renewals", RENEWAL_COLUMNS, rows)
    quarter = overview.chosen_quarter(asked)
    offered = {choice.value for choice in spec.filters[1].choices}
    return render_template(
        "admin/renewals/index.html",
        found=overview.list_renewals(db.session, asked),
        spec=spec,
        counts=overview.stage_counts(db.session, quarter),
        stage=RenewalStage(asked.filters["stage"]),
        quarter=quarter,
        this_quarter=quarter_of(today),
        offered=offered,
        stages=list(RenewalStage),
    )


def _page(
    renewal_id: int,
    *,
    errors: dict[str, str] | None = None,
    alert: str = "",
    reason: str = "",
    status: int = 200,
) -> tuple[str, int]:
    file = review.renewal_file(db.session, renewal_id)
    html = render_template(
        "admin/renewals/show.html",
        file=file,
        errors=errors or {},
        alert=alert,
        reason=reason,
        reason_min=REASON_MIN,
        reason_max=REASON_MAX,
        money=review.money,
        today=clock.today(),
    )
    return html, status


def _failed(renewal_id: int, exc: DomainError, reason: str = "") -> tuple[str, int]:
    db.session.rollback()
    field = exc.field or ""
    errors = {field: exc.message} if field else {}
    return _page(
        renewal_id,
        errors=errors,
        alert="" if field else exc.message,
        reason=reason,
        status=exc.status,
    )


def _back(renewal_id: int, anchor: str = "") -> Response:
    return redirect(url_for("admin.renewal", renewal_id=renewal_id) + anchor)


@bp.get("/renewals/<int:renewal_id>")
def renewal(renewal_id: int) -> tuple[str, int]:
    return _page(renewal_id)


@bp.post("/renewals/<int:renewal_id>/activities/<int:activity_id>/accept")
def accept_ce_activity(renewal_id: int, activity_id: int) -> Response | tuple[str, int]:
    file = review.renewal_file(db.session, renewal_id)
    try:
        activity = review.accept_activity(
            db.session, file.renewal, activity_id, actor=current_admin(), now=utcnow()
        )
    except DomainError as exc:
        return _failed(renewal_id, exc)
    flash(f"“{activity.title}” is accepted.", "success")
    return _back(renewal_id, "#activities")


@bp.post("/renewals/<int:renewal_id>/activities/<int:activity_id>/request-proof")
def request_ce_proof(renewal_id: int, activity_id: int) -> Response | tuple[str, int]:
    file = review.renewal_file(db.session, renewal_id)
    reason = request.form.get("reason", "")[: REASON_MAX * 2]
    try:
        activity = review.request_proof(
            db.session,
            file.renewal,
            activity_id,
            actor=current_admin(),
            reason=reason,
            now=utcnow(),
        )
    except DomainError as exc:
        if exc.field == "reason":
            exc.field = f"reason-{activity_id}"
        return _failed(renewal_id, exc, reason)
    flash(f"The holder is asked for proof of “{activity.title}”.", "success")
    return _back(renewal_id, "#activities")


@bp.post("/renewals/<int:renewal_id>/fee")
def record_renewal_fee(renewal_id: int) -> Response | tuple[str, int]:
    file = review.renewal_file(db.session, renewal_id)
    try:
        review.record_fee(
            db.session,
            file.renewal,
            actor=current_admin(),
            method=request.form.get("method", "")[:200],
            reference=request.form.get("reference", "")[:200],
            received_on=clock.today(),
        )
    except DomainError as exc:
        return _failed(renewal_id, exc)
    flash("The renewal fee is recorded.", "success")
    return _back(renewal_id)


@bp.post("/renewals/<int:renewal_id>/approve")
def approve_renewal(renewal_id: int) -> Response | tuple[str, int]:
    try:
        renewal = review.approve(
            db.session,
            renewal_id,
            actor=current_admin(),
            version=request.form.get("version", "")[:20],
            note=request.form.get("note", "")[: REASON_MAX * 2],
            now=utcnow(),
        )
    except DomainError as exc:
        return _failed(renewal_id, exc)
    flash("The renewal is approved and a new credential is issued.", "success")
    return _back(renewal.id)
