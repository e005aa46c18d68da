"""An enrollment's sets as the evaluation rule sees them (domain.certification.evaluation),
read by the evaluation service and by the credential (how each set was met)."""

from __future__ import annotations

from portfolio.domain.certification.evaluation import SetState
from portfolio.models import CourseStatus, Enrollment, EnrollmentSet, SetKind


def set_states(enrollment: Enrollment) -> list[SetState]:
    """The enrollment's sets (they and their competency sets must be loaded)."""
    return [set_state(item) for item in enrollment.sets]


def set_state(item: EnrollmentSet) -> SetState:
    """One set as the rule sees it: whether it is met, and how (its competency set loaded)."""
    return SetState(
        code=item.competency_set.code,
        name=item.competency_set.name,
        required=item.competency_set.kind is SetKind.REQUIRED,
        route=item.route,
        status=item.status,
        course_verified=item.course_status is CourseStatus.VERIFIED,
        course_completed=item.course_status in (CourseStatus.COMPLETED, CourseStatus.VERIFIED),
    )
