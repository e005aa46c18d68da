"""Checking course evidence: completions candidates reported with proof (shown next to the
course, its approval period and the dates), transcripts of recognised programs, and courses
typed as free text before the catalogue; verifying or returning each one. Routes join the admin
blueprint, whose before_request already requires an administrator. CSRF is checked for every
POST by the app's CSRFProtect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.errors import BadRequest, InvalidInput
from portfolio.extensions import db
from portfolio.models import (
    CertificationDecision,
    CourseCompletion,
    DecisionStatus,
    EnrollmentSet,
    TranscriptProof,
)
from portfolio.services.certification import evaluation
from portfolio.services.courses import checks_list, recognition, verification
from portfolio.services.listing import fetch_page, set_codes
from portfolio.web import clock
from portfolio.web.admin import bp
from portfolio.web.admin.review_forms import current_admin, require_found
from portfolio.web.exports import export, export_format, export_rows
from portfolio.web.listing import list_request
from portfolio.web.params import is_small_int


@dataclass(frozen=True)
class FailedReturn:
    """A return form sent without a usable reason: shown again on its row, with the error."""

    enrollment_set_id: int
    message: str
    reason: str
    kind: str = "course"  # "course" (typed before the catalogue), "completion" or "transcript"


@bp.context_processor
def _courses_waiting() -> dict[str, object]:
    # A callable, so only the page that shows the number (the admin index) runs the count.
    return {
        "courses_to_verify_count": lambda: (
            verification.count_courses_to_verify(db.session)
            + verification.count_completions_to_verify(db.session)
        )
    }


COLUMNS: dict[str, tuple[tuple[str, Callable[[Any], object]], ...]] = {
    checks_list.COMPLETIONS: (
        ("Candidate", lambda r: r.candidate_name),
        ("Email", lambda r: r.candidate_email),
        ("Set", lambda r: r.set_code),
        ("Course", lambda r: r.course_title),
        ("Provider", lambda r: r.provider_name),
        ("Approved on", lambda r: r.approved_on),
        ("Approved until", lambda r: r.approved_until),
        ("Completed on", lambda r: r.completed_on),
        ("Reported at", lambda r: r.reported_at),
        ("Proof", lambda r: r.proof_name),
    ),
    checks_list.TRANSCRIPTS: (
        ("Candidate", lambda r: r.candidate_name),
        ("Email", lambda r: r.candidate_email),
        ("Set", lambda r: r.set_code),
        ("Program of study", lambda r: r.program_name),
        ("College", lambda r: r.college),
        ("Agreement valid from", lambda r: r.valid_from),
        ("Agreement valid until", lambda r: r.valid_until),
        ("Graduated on", lambda r: r.graduated_on),
        ("Reported at", lambda r: r.reported_at),
        ("Transcript", lambda r: r.upload_name),
    ),
    checks_list.TYPED: (
        ("Candidate", lambda r: r.candidate_name),
        ("Email", lambda r: r.candidate_email),
        ("Program", lambda r: r.program),
        ("Set", lambda r: r.set_code),
        ("Course", lambda r: r.course_name),
        ("Provider", lambda r: r.course_provider),
        ("Marked completed at", lambda r: r.marked_completed_at),
    ),
}


@bp.get("/courses")
def courses() -> str | Response:
    kind = export_format()
    if kind:
        asked = list_request(checks_list.checks_list(set_codes(db.session)))
        queue = asked.filters.get("queue")
        if queue is None:
            raise BadRequest("Choose the queue to download: " + _queues() + ".")
        rows = export_rows(checks_list.QUERIES[queue](asked), asked)
        return export(kind, f"courses-{queue}", COLUMNS[queue], rows)
    return _courses_page()


def _queues() -> str:
    return ", ".join(f"{c.label} (queue={c.value})" for c in checks_list.QUEUES)


def _courses_page(failed: FailedReturn | None = None) -> str:
    """Each queue's first page, or the one queue asked for, paged; one request for all."""
    spec = checks_list.checks_list(set_codes(db.session))
    asked = list_request(spec)
    only = asked.filters.get("queue")
    pages = {}
    for queue, query in checks_list.QUERIES.items():
        if only in (None, queue):
            one = replace(asked, filters={**asked.filters, "queue": queue})
            one = one if only else one.on_page(1)
            pages[queue] = fetch_page(db.session, query(one), one)
    return render_template(
        "admin/courses.html",
        spec=spec,
        asked=asked,
        pages=pages,
        failed=failed,
    )


def _load(enrollment_set_id: int) -> EnrollmentSet:
    item = db.session.get(EnrollmentSet, enrollment_set_id)
    require_found(item, "course")
    assert item is not None
    return item


def _version() -> int:
    raw = request.form.get("version", "")
    if not is_small_int(raw):
        raise BadRequest("This form is missing its version. Reload the page and try again.")
    return int(raw)


@bp.post("/courses/<int:enrollment_set_id>/verify")
def verify_course(enrollment_set_id: int) -> Response:
    item = _load(enrollment_set_id)
    today = clock.today()
    decision = verification.verify_course(
        db.session, item, actor=current_admin(), today=today, expected_version=_version()
    )
    flash(_verified_message(item, decision, today), "success")
    return redirect(url_for("admin.courses"))


def _verified_message(
    item: EnrollmentSet, decision: CertificationDecision | None, today: date
) -> str:
    who = item.enrollment.user.name
    done = f"{item.course_name} is verified for {who}."
    if decision is None:
        return f"{done} {evaluation.standing(item.enrollment, today).summary}"
    if decision.status is DecisionStatus.NOT_CERTIFIED:
        return f"{done} Their enrollment had already ended as not certified."
    certificate = evaluation.certificate_of(db.session, item.enrollment)
    number = f" (certificate {certificate.number})" if certificate is not None else ""
    return f"{done} {who} is certified{number}."


@bp.post("/courses/<int:enrollment_set_id>/return")
def return_course(enrollment_set_id: int) -> Response | tuple[str, int]:
    item = _load(enrollment_set_id)
    reason = request.form.get("reason", "")
    try:
        verification.return_course(
            db.session, item, actor=current_admin(), reason=reason, expected_version=_version()
        )
    except InvalidInput as exc:
        failed = FailedReturn(enrollment_set_id, exc.message, reason)
        return _courses_page(failed), exc.status
    flash(
        f"{item.course_name} went back to {item.enrollment.user.name} as in progress; "
        "they were emailed your reason.",
        "success",
    )
    return redirect(url_for("admin.courses"))


def _verified_summary(
    who: str, what: str, item: EnrollmentSet, decision: CertificationDecision | None
) -> str:
    done = f"{what} is verified for {who}."
    if decision is None:
        return f"{done} {evaluation.standing(item.enrollment, clock.today()).summary}"
    if decision.status is DecisionStatus.NOT_CERTIFIED:
        return f"{done} Their enrollment had already ended as not certified."
    return f"{done} {who} is certified."


@bp.post("/course-completions/<int:completion_id>/verify")
def verify_completion(completion_id: int) -> Response:
    completion = db.session.get(CourseCompletion, completion_id)
    require_found(completion, "completion")
    assert completion is not None
    decision = verification.verify_completion(
        db.session,
        completion,
        actor=current_admin(),
        today=clock.today(),
        expected_version=_version(),
    )
    item = completion.enrollment_set
    who = item.enrollment.user.name
    flash(_verified_summary(who, completion.course_version.title, item, decision), "success")
    return redirect(url_for("admin.courses"))


@bp.post("/course-completions/<int:completion_id>/return")
def return_completion(completion_id: int) -> Response | tuple[str, int]:
    completion = db.session.get(CourseCompletion, completion_id)
    require_found(completion, "completion")
    assert completion is not None
    reason = request.form.get("reason", "")
    try:
        verification.return_completion(
            db.session,
            completion,
            actor=current_admin(),
            reason=reason,
            expected_version=_version(),
        )
    except InvalidInput as exc:
        failed = FailedReturn(completion_id, exc.message, reason, kind="completion")
        return _courses_page(failed), exc.status
    who = completion.enrollment_set.enrollment.user.name
    flash(
        f"{completion.course_version.title} went back to {who}; they were emailed your reason.",
        "success",
    )
    return redirect(url_for("admin.courses"))


@bp.post("/transcripts/<int:proof_id>/verify")
def verify_transcript(proof_id: int) -> Response:
    proof = db.session.get(TranscriptProof, proof_id)
    require_found(proof, "transcript")
    assert proof is not None
    decision = recognition.verify_transcript(
        db.session, proof, actor=current_admin(), today=clock.today(), expected_version=_version()
    )
    item = proof.enrollment_set
    what = f"The transcript of {proof.agreement.program_name}"
    flash(_verified_summary(item.enrollment.user.name, what, item, decision), "success")
    return redirect(url_for("admin.courses"))


@bp.post("/transcripts/<int:proof_id>/return")
def return_transcript(proof_id: int) -> Response | tuple[str, int]:
    proof = db.session.get(TranscriptProof, proof_id)
    require_found(proof, "transcript")
    assert proof is not None
    reason = request.form.get("reason", "")
    try:
        recognition.return_transcript(
            db.session, proof, actor=current_admin(), reason=reason, expected_version=_version()
        )
    except InvalidInput as exc:
        failed = FailedReturn(proof_id, exc.message, reason, kind="transcript")
        return _courses_page(failed), exc.status
    flash(
        f"The transcript went back to {proof.enrollment_set.enrollment.user.name}; they were "
        "emailed your reason.",
        "success",
    )
    return redirect(url_for("admin.courses"))
