"""The office's course approvals: courses waiting (submitted, being evaluated, asking for
renewal), each with its application, its evaluations and the evaluators to choose from; approve,
return with a reason, or renew. Routes join the admin blueprint, whose before_request already
requires an administrator. CSRF is checked for every POST by the app's CSRFProtect.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.courses import fee_ledger
from portfolio.domain.errors import BadRequest, Conflict, InvalidInput
from portfolio.domain.money import parse_amount
from portfolio.extensions import db
from portfolio.models import CourseFeePurpose, CourseVersion
from portfolio.services.courses import approval_list, decisions, evaluations, fees
from portfolio.services.courses.rules import course_rules
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin, require_found
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request
from portfolio.web.params import is_small_int

COURSE_COLUMNS = (
    ("Course", lambda v: v.title),
    ("Version", lambda v: v.number),
    ("Provider", lambda v: v.course.provider.name),
    ("Set", lambda v: v.competency_set.code),
    ("Status", lambda v: approval_list.status_label(approval_list.standing(v, clock.today()))),
    ("Submitted at", lambda v: v.submitted_at),
    ("Evaluations in", lambda v: decisions.submitted_evaluations(v)),
    ("Approved on", lambda v: v.approved_on),
    ("Approved until", lambda v: v.approved_until),
    ("Renewal requested at", lambda v: v.renewal_requested_at),
)


@bp.get("/course-approvals")
def course_approvals() -> str | Response:
    spec = approval_list.course_list(db.session)
    asked = list_request(spec)
    if kind := export_format():
        listed = approval_list.course_versions_query(asked, clock.today())
        rows = export_rows(listed, asked)
        return export(kind, "course-approvals", COURSE_COLUMNS, rows)
    return render_template(
        "admin/course_approvals/index.html",
        found=approval_list.list_course_versions(db.session, asked, clock.today()),
        spec=spec,
        submitted_evaluations=decisions.submitted_evaluations,
    )


def _load(version_id: int) -> CourseVersion:
    version = db.session.get(CourseVersion, version_id)
    require_found(version, "course")
    assert version is not None
    return version


def _page(
    version: CourseVersion,
    *,
    error: str = "",
    error_field: str = "",
    reason: str = "",
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    entries = fees.entries_of(db.session, version)
    return (
        render_template(
            "admin/course_approvals/show.html",
            version=version,
            choices=evaluations.evaluator_choices(db.session, version),
            rules=course_rules(version.competency_set.framework, required=False),
            submitted_evaluations=decisions.submitted_evaluations(version),
            error=error,
            error_field=error_field,
            reason=reason,
            dollars=fee_ledger.dollars,
            fee_entries=entries,
            owed={p.value: fees.outstanding(entries, p) for p in CourseFeePurpose},
            refundable={p.value: fees.refundable(entries, p) for p in CourseFeePurpose},
            values=values or {},
        ),
        status,
    )


@bp.get("/course-approvals/<int:version_id>")
def course_approval(version_id: int) -> tuple[str, int]:
    return _page(_load(version_id))


def _expected_version() -> int:
    raw = request.form.get("version", "")
    if not is_small_int(raw):
        raise BadRequest("This form is missing its version. Reload the page and try again.")
    return int(raw)


@bp.post("/course-approvals/<int:version_id>/evaluators")
def assign_course_evaluator(version_id: int) -> Response | tuple[str, int]:
    version = _load(version_id)
    raw = request.form.get("evaluator_id", "")
    try:
        evaluation = evaluations.assign_evaluator(
            db.session,
            version,
            evaluator_id=int(raw) if is_small_int(raw) else None,
            actor=current_admin(),
        )
    except (InvalidInput, Conflict) as exc:
        return _page(version, error=exc.message, error_field="evaluator_id", status=exc.status)
    flash(f"{evaluation.evaluator.name} is asked to evaluate {version.title}.", "success")
    return redirect(url_for("admin.course_approval", version_id=version.id))


@bp.post("/course-approvals/<int:version_id>/approve")
def approve_course(version_id: int) -> Response | tuple[str, int]:
    version = _load(version_id)
    try:
        decisions.approve(
            db.session,
            version,
            actor=current_admin(),
            today=clock.today(),
            expected_version=_expected_version(),
        )
    except Conflict as exc:  # evaluations still out, or the page was out of date
        return _page(version, error=exc.message, error_field="decision", status=exc.status)
    flash(f"{version.title} is approved; its provider is emailed.", "success")
    return redirect(url_for("admin.course_approval", version_id=version.id))


@bp.post("/course-approvals/<int:version_id>/return")
def return_course_version(version_id: int) -> Response | tuple[str, int]:
    version = _load(version_id)
    reason = request.form.get("reason", "")
    try:
        decisions.return_version(
            db.session,
            version,
            actor=current_admin(),
            reason=reason,
            expected_version=_expected_version(),
        )
    except InvalidInput as exc:
        return _page(version, error=exc.message, error_field="reason", reason=reason, status=422)
    except Conflict as exc:  # no longer waiting, or the page was out of date
        return _page(version, error=exc.message, error_field="decision", status=exc.status)
    flash(f"{version.title} went back to its provider with your reason.", "success")
    return redirect(url_for("admin.course_approval", version_id=version.id))


@bp.post("/course-approvals/<int:version_id>/renew")
def renew_course(version_id: int) -> Response | tuple[str, int]:
    version = _load(version_id)
    try:
        decisions.renew(
            db.session, version, actor=current_admin(), expected_version=_expected_version()
        )
    except Conflict as exc:  # nothing asked for, or the page was out of date
        return _page(version, error=exc.message, error_field="decision", status=exc.status)
    flash(f"The approval of {version.title} is renewed.", "success")
    return redirect(url_for("admin.course_approval", version_id=version.id))


@bp.post("/course-approvals/<int:version_id>/payments")
def record_course_fee_payment(version_id: int) -> Response | tuple[str, int]:
    version = _load(version_id)
    purpose = request.form.get("purpose", "")
    try:
        payment = fees.record_payment(
            db.session,
            version,
            purpose,
            reference=request.form.get("reference", ""),
            actor=current_admin(),
            today=clock.today(),
        )
    except InvalidInput as exc:
        field = f"reference-{purpose}" if exc.field == "reference" else "fees"
        return _page(version, error=exc.message, error_field=field, status=exc.status)
    flash(
        f"The {payment.purpose.value} fee of {fee_ledger.dollars(payment.amount_cents)} is "
        "recorded as paid.",
        "success",
    )
    return redirect(url_for("admin.course_approval", version_id=version.id))


@bp.post("/course-approvals/<int:version_id>/refunds")
def record_course_fee_refund(version_id: int) -> Response | tuple[str, int]:
    return _fee_entry(version_id, "refund")


@bp.post("/course-approvals/<int:version_id>/waivers")
def record_course_fee_waiver(version_id: int) -> Response | tuple[str, int]:
    return _fee_entry(version_id, "waiver")


def _fee_entry(version_id: int, form: str) -> Response | tuple[str, int]:
    """A refund or a waiver from its form: recorded, or the page again with the problem."""
    version = _load(version_id)
    purpose = request.form.get("purpose", "")
    reason = request.form.get("reason", "")
    actor, today = current_admin(), clock.today()
    try:
        amount = parse_amount(request.form.get("amount", ""))
        if form == "refund":
            reference = request.form.get("reference", "")
            entry = fees.record_refund(
                db.session,
                version,
                purpose,
                amount_cents=amount,
                reference=reference,
                reason=reason,
                actor=actor,
                today=today,
            )
        else:
            entry = fees.record_waiver(
                db.session,
                version,
                purpose,
                amount_cents=amount,
                reason=reason,
                actor=actor,
                today=today,
            )
    except InvalidInput as exc:
        return _fee_form_refused(version, form, purpose, exc)
    what = "given back" if form == "refund" else "waived"
    flash(
        f"{fee_ledger.dollars(entry.amount_cents)} of the {entry.purpose.value} fee is recorded "
        f"as {what}.",
        "success",
    )
    return redirect(url_for("admin.course_approval", version_id=version.id, _anchor="fees"))


def _fee_form_refused(
    version: CourseVersion, form: str, purpose: str, exc: InvalidInput
) -> tuple[str, int]:
    """The page again with the form as typed and the problem beside its field (a purpose
    the page never offers has no form to return to: the message heads the fees)."""
    known = purpose in {p.value for p in CourseFeePurpose}
    field = f"{form}-{exc.field}-{purpose}" if known and exc.field != "purpose" else "fees"
    return _page(
        version,
        error=exc.message,
        error_field=field,
        values={f"{form}-{key}-{purpose}": value for key, value in request.form.items()},
        status=exc.status,
    )
