"""An enrollment's sets as the evaluation rule sees them (domain.certification.evaluation),
read by the evaluation service and by the credential (how each set was met)."""

from __future__ import annotations

from portfolio.domain.certification.evaluation import Route, SetState
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import CourseStatus, Enrollment, EnrollmentSet, SetKind


def set_states(enrollment: Enrollment) -> list[SetState]:
    """The enrollment's sets (they and their competency sets must be loaded)."""
    return [set_state(item) for item in enrollment.sets]


def set_state(item: EnrollmentSet) -> SetState:
    """One set as the rule sees it: whether it is met, and how (its competency set loaded)."""
    return state_of(
        item.competency_set.code,
        item.competency_set.name,
        item.competency_set.kind,
        item.route,
        item.status,
        item.course_status,
    )


def state_of(
    code: str,
    name: str,
    kind: SetKind,
    route: Route,
    status: SetLifecycle,
    course_status: CourseStatus | None,
) -> SetState:
    """A set from its columns (the batch evaluation reads them as plain rows)."""
    return SetState(
        code=code,
        name=name,
        required=kind is SetKind.REQUIRED,
        route=route,
        status=status,
        course_verified=course_status is CourseStatus.VERIFIED,
        course_completed=course_status in (CourseStatus.COMPLETED, CourseStatus.VERIFIED),
    )
