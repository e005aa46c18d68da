"""Where an enrollment stands: each set's route and status, the window, and what comes next.

Read by the candidate's dashboard and by supervisors; nothing here changes data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from portfolio.domain.dates import format_date
from portfolio.domain.enrollment.electives import can_change_elective
from portfolio.domain.enrollment.routes import COURSE, routes_open
from portfolio.domain.lifecycle import (
    UNDER_REVIEW,
    SetLifecycle,
    days_left,
    window_open,
)
from portfolio.models import (
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Route,
    SetKind,
)
from portfolio.services.certification.set_states import set_state
from portfolio.services.programs.versions import load_rules

COURSE_STATUS_LABELS = {
    CourseStatus.PLANNED: "planned",
    CourseStatus.IN_PROGRESS: "in progress",
    CourseStatus.COMPLETED: "completed",
    CourseStatus.VERIFIED: "completed and verified",
}


@dataclass(frozen=True)
class NextStep:
    """A sentence, and what it points to: "electives", "route", "portfolio" or nothing."""

    text: str
    action: str | None = None


@dataclass(frozen=True)
class SetProgress:
    enrollment_set: EnrollmentSet
    required: bool
    status: SetLifecycle

    @property
    def code(self) -> str:
        return self.enrollment_set.competency_set.code

    @property
    def name(self) -> str:
        return self.enrollment_set.competency_set.name

    @property
    def route(self) -> Route:
        return self.enrollment_set.route

    @property
    def status_label(self) -> str:
        """The set's status in words. On the course route that is the course's, not the
        portfolio lifecycle's (which stays "not started", or closed, beside a course)."""
        if self.route == Route.COURSE:
            return "met" if set_state(self.enrollment_set).met else "not met yet"
        return self.status.label

    @property
    def course_status_label(self) -> str:
        status = self.enrollment_set.course_status
        return COURSE_STATUS_LABELS[status] if status is not None else "not started"

    @property
    def route_can_change(self) -> bool:
        return bool(routes_open(self.status, self.route.value))

    @property
    def course_only(self) -> bool:
        """Only the course route is left (its portfolio was closed as not met)."""
        return routes_open(self.status, self.route.value) == {COURSE}

    @property
    def elective_can_change(self) -> bool:
        return not self.required and can_change_elective(self.status)


@dataclass(frozen=True)
class EnrollmentProgress:
    enrollment: Enrollment
    sets: tuple[SetProgress, ...]
    electives_required: int
    electives_chosen: int
    days_left: int
    window_open: bool
    next_steps: tuple[NextStep, ...]

    @property
    def countdown(self) -> str:
        """E.g. "1,203 days left"; on the last day, "Last day today"."""
        if not self.window_open:
            return f"The completion window ended on {format_date(self.enrollment.window_ends_on)}"
        if self.days_left == 0:
            return "Last day today"
        return f"{self.days_left:,} day{'' if self.days_left == 1 else 's'} left"


def enrollments_query() -> Select[Enrollment]:
    """Enrollments with their framework and sets loaded in a fixed number of queries."""
    return select(Enrollment).options(
        joinedload(Enrollment.framework),
        selectinload(Enrollment.sets).joinedload(EnrollmentSet.competency_set),
    )


def enrollment_progress(enrollment: Enrollment, today: date) -> EnrollmentProgress:
    """Set by set, required sets first; the countdown; and the next steps, in order."""
    rules = load_rules(enrollment.framework)
    sets = sorted(
        (
            SetProgress(
                enrollment_set=item,
                required=_is_required(item, rules.required_sets),
                status=item.status,
            )
            for item in enrollment.sets
        ),
        key=lambda p: (not p.required, p.enrollment_set.competency_set.position),
    )
    chosen = sum(1 for p in sets if not p.required)
    is_open = window_open(enrollment.window_ends_on, today)
    progress = EnrollmentProgress(
        enrollment=enrollment,
        sets=tuple(sets),
        electives_required=rules.electives_required,
        electives_chosen=chosen,
        days_left=days_left(enrollment.window_ends_on, today),
        window_open=is_open,
        next_steps=(),
    )
    return _with_next_steps(progress)


def _is_required(item: EnrollmentSet, required_codes: tuple[str, ...]) -> bool:
    competency_set = item.competency_set
    return competency_set.kind == SetKind.REQUIRED or competency_set.code in required_codes


def _with_next_steps(progress: EnrollmentProgress) -> EnrollmentProgress:
    steps: list[NextStep] = []
    enrollment = progress.enrollment
    if enrollment.status == EnrollmentStatus.CERTIFIED:
        steps.append(NextStep("You are certified. Congratulations!"))
    elif enrollment.status == EnrollmentStatus.CLOSED:
        steps.append(NextStep("This enrollment has ended. Contact the program office."))
    elif not progress.window_open:
        steps.append(NextStep(f"{progress.countdown}. Contact the program office."))
    else:
        missing = progress.electives_required - progress.electives_chosen
        if missing > 0:
            steps.append(NextStep(_electives_sentence(progress), "electives"))
        for item in progress.sets:
            steps.extend(_set_steps(item))
        if not steps:
            steps.append(NextStep(_waiting_sentence(progress)))
    return replace(progress, next_steps=tuple(steps))


def _electives_sentence(progress: EnrollmentProgress) -> str:
    wanted = progress.electives_required
    if progress.electives_chosen:
        return f"Choose your electives: {progress.electives_chosen} of {wanted} chosen."
    return f"Choose your {wanted} elective{'' if wanted == 1 else 's'}."


def _set_steps(item: SetProgress) -> list[NextStep]:
    if item.route == Route.UNDECIDED:
        return [NextStep(f"Choose a course or a portfolio for {item.name}.", "route")]
    if item.route == Route.COURSE:
        course = item.enrollment_set.course_name or "your course"
        status = item.enrollment_set.course_status
        if not item.enrollment_set.course_name:
            return [NextStep(f"Choose an approved course for {item.name}.", "route")]
        if status in (CourseStatus.PLANNED, CourseStatus.IN_PROGRESS, None):
            return [NextStep(f"Complete {course} for {item.name}.", "route")]
        if status == CourseStatus.COMPLETED:
            return [NextStep(f"{item.name}: your course completion is waiting for verification.")]
        return []
    if item.route == Route.RECOGNISED_PROGRAM:
        if item.enrollment_set.course_status == CourseStatus.COMPLETED:
            return [NextStep(f"{item.name}: your transcript is waiting for verification.")]
        if item.enrollment_set.course_status == CourseStatus.VERIFIED:
            return []
        return [NextStep(f"Hand in your transcript for {item.name}.", "route")]
    if item.status in (SetLifecycle.NOT_STARTED, SetLifecycle.DRAFT):
        return [NextStep(f"Build your portfolio for {item.name}, then submit it.", "portfolio")]
    if item.status is SetLifecycle.NOT_YET_MET:
        return [NextStep(f"Revise and resubmit your portfolio for {item.name}.", "portfolio")]
    if item.status is SetLifecycle.CLOSED_NOT_MET:
        return [
            NextStep(
                f"{item.name}: your portfolio was closed as not met. You can still meet this set "
                "with an approved course: choose the course route.",
                "route",
            )
        ]
    return []


def _waiting_sentence(progress: EnrollmentProgress) -> str:
    """What to say when the candidate has nothing to do: only true of sets being reviewed."""
    if any(item.status in UNDER_REVIEW for item in progress.sets if item.route == Route.PORTFOLIO):
        return "Nothing to do for now: your work is with the reviewers."
    return "Nothing to do for now."
