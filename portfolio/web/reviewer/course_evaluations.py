"""A course evaluator's work: the course application and the course-approval rubric.

Routes join the reviewer blueprint (reviewer role required before each request); each view
loads the evaluation through evaluations.own_evaluation, which answers 404 for anyone else's.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portfolio.domain.errors import InvalidInput
from portfolio.extensions import db
from portfolio.models import CourseEvaluation
from portfolio.services.courses import evaluations
from portfolio.services.courses.rules import course_rules
from portfolio.web.reviewer import bp, current_reviewer


@bp.get("/course-evaluations")
def course_evaluations() -> str:
    return render_template(
        "reviewer/course_evaluations.html",
        evaluations=evaluations.open_evaluations(db.session, current_reviewer()),
    )


def _page(
    evaluation: CourseEvaluation, problems: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    version = evaluation.course_version
    return (
        render_template(
            "reviewer/course_evaluation.html",
            evaluation=evaluation,
            version=version,
            rules=course_rules(version.competency_set.framework, required=True),
            problems=problems or {},
            values=request.form if problems else None,
        ),
        status,
    )


@bp.get("/course-evaluations/<int:version_id>")
def course_evaluation(version_id: int) -> tuple[str, int]:
    return _page(evaluations.own_evaluation(db.session, current_reviewer(), version_id))


@bp.post("/course-evaluations/<int:version_id>")
def submit_course_evaluation(version_id: int) -> Response | tuple[str, int]:
    me = current_reviewer()
    evaluation = evaluations.own_evaluation(db.session, me, version_id)
    form = request.form
    ratings = {
        key.removeprefix("rating-"): value
        for key, value in form.items()
        if key.startswith("rating-")
    }
    try:
        evaluations.submit_evaluation(
            db.session, evaluation, ratings=ratings, comment=form.get("comment", ""), actor=me
        )
    except InvalidInput as exc:
        return _page(evaluation, exc.problems, exc.status)
    flash("Your evaluation is sent to the program office.", "success")
    return redirect(url_for("reviewer.course_evaluation", version_id=version_id))
