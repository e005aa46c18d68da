"""An enrollment's sets as the evaluation rule sees them (domain.certification.evaluation),
read by the evaluation service and by the credential (how each set was met)."""

from __future__ import annotations

from collections.abc import Mapping

from portfolio.domain.certification.evaluation import SetState
from portfolio.models import CourseStatus, Enrollment, EnrollmentSet, Route, SetKind


def set_states(
    enrollment: Enrollment, evidence: Mapping[int, str] | None = None
) -> list[SetState]:
    """The enrollment's sets (they and their competency sets must be loaded); `evidence`
    (services.certification.evidence) names what met each set, by enrollment set id."""
    evidence = evidence or {}
    return [set_state(item, evidence.get(item.id, "")) for item in enrollment.sets]


def set_state(item: EnrollmentSet, evidence: str = "") -> SetState:
    """One set as the rule sees it: whether it is met, and how (its competency set loaded).

    For a course, course_status is the course's standing; for a recognised program it is the
    transcript's (completed: handed in, verified: the office verified it)."""
    proof_verified = item.course_status is CourseStatus.VERIFIED
    proof_in = item.course_status in (CourseStatus.COMPLETED, CourseStatus.VERIFIED)
    recognised = item.route is Route.RECOGNISED_PROGRAM
    return SetState(
        code=item.competency_set.code,
        name=item.competency_set.name,
        required=item.competency_set.kind is SetKind.REQUIRED,
        route=item.route,
        status=item.status,
        course_verified=proof_verified and not recognised,
        course_completed=proof_in and not recognised,
        evidence=evidence,
        recognised_verified=proof_verified and recognised,
        recognised_reported=proof_in and recognised,
    )
