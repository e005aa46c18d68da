"""An enrollment's sets as the evaluation rule sees them (domain.certification.evaluation),
read by the evaluation service and by the credential (how each set was met)."""

from __future__ import annotations

from collections.abc import Mapping

from portfolio.domain.certification.evaluation import Route, SetState
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import CourseStatus, Enrollment, EnrollmentSet, SetKind


def set_states(enrollment: Enrollment, evidence: Mapping[int, str] | None = None) -> list[SetState]:
    """The enrollment's sets (they and their competency sets must be loaded); `evidence`
    (services.certification.evidence) names what met each set, by enrollment set id."""
    evidence = evidence or {}
    return [set_state(item, evidence.get(item.id, "")) for item in enrollment.sets]


def set_state(item: EnrollmentSet, evidence: str = "") -> SetState:
    """One set as the rule sees it: whether it is met, and how (its competency set loaded)."""
    return state_of(
        item.competency_set.code,
        item.competency_set.name,
        item.competency_set.kind,
        item.route,
        item.status,
        item.course_status,
        evidence,
    )


def state_of(
    code: str,
    name: str,
    kind: SetKind,
    route: Route,
    status: SetLifecycle,
    course_status: CourseStatus | None,
    evidence: str = "",
) -> SetState:
    """A set from its columns (the batch evaluation reads them as plain rows).

    For a course, course_status is the course's standing; for a recognised program it is the
    transcript's (completed: handed in, verified: the office verified it)."""
    proof_verified = course_status is CourseStatus.VERIFIED
    proof_in = course_status in (CourseStatus.COMPLETED, CourseStatus.VERIFIED)
    recognised = route is Route.RECOGNISED_PROGRAM
    return SetState(
        code=code,
        name=name,
        required=kind is SetKind.REQUIRED,
        route=route,
        status=status,
        course_verified=proof_verified and not recognised,
        course_completed=proof_in and not recognised,
        evidence=evidence,
        recognised_verified=proof_verified and recognised,
        recognised_reported=proof_in and recognised,
    )


def how_it_stands(route: Route, status: SetLifecycle, course_status: CourseStatus | None) -> str:
    """How one set stands, in the evaluation's words (SetState.how: "met by a verified
    approved course", "portfolio in review"...), from its columns alone."""
    return state_of("", "", SetKind.ELECTIVE, route, status, course_status).how
