"""The office's list of course versions: those waiting (submitted, being evaluated, or asking
for renewal; the longest waiting first) and, by filter, those approved, returned or ended;
searched by course title or provider, sorted, paged and exported like every admin list.
Two queries a page whatever the data, and one for the page's evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from portfolio.domain.courses.approval import approval_ended
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.models import Course, CourseVersion, CourseVersionStatus, Provider
from portfolio.services.courses.evaluations import BEING_JUDGED
from portfolio.services.listing import AnyRow, ListQuery, fetch_page, set_codes, set_filter

WAITING = "waiting"
RENEWAL = "renewal"
_STATUSES = (
    Choice(WAITING, "Waiting for the office"),
    Choice(CourseVersionStatus.SUBMITTED.value, "Submitted, waiting for evaluators"),
    Choice(CourseVersionStatus.IN_REVIEW.value, "Being evaluated"),
    Choice(RENEWAL, "Renewal requested"),
    Choice(CourseVersionStatus.APPROVED.value, "Approved"),
    Choice(CourseVersionStatus.RETURNED.value, "Returned by the program office"),
    Choice(CourseVersionStatus.EXPIRED.value, "Approval ended"),
)


def course_list(session: Session) -> ListSpec:
    return ListSpec(
        sorts=(
            Choice("submitted", "Date submitted"),
            Choice("title", "Course title"),
            Choice("provider", "Provider"),
            Choice("approved_until", "Approved until"),
        ),
        filters=(
            ListFilter("status", "Status", _STATUSES),
            set_filter(set_codes(session)),
        ),
        default_order="asc",  # a queue: the longest waiting first
        search_label="Search by course title or provider",
        default_filters={"status": WAITING},
    )


def standing(version: CourseVersion, today: date) -> CourseVersionStatus:
    """A version's status as of `today`: an approval whose term has run out has ended (shown and
    filtered as such) though its row still says approved (approval_ended)."""
    if version.status is CourseVersionStatus.APPROVED and approval_ended(
        version.approved_until, today
    ):
        return CourseVersionStatus.EXPIRED
    return version.status


def status_label(status: CourseVersionStatus) -> str:
    """A status in the words the list's filter uses ("Approval ended", not "expired")."""
    return next((c.label for c in _STATUSES if c.value == status.value), status.value)


def _status(value: str, today: date) -> ColumnElement[bool]:
    if value == WAITING:
        return or_(
            CourseVersion.status.in_(BEING_JUDGED), CourseVersion.renewal_requested_at.is_not(None)
        )
    if value == RENEWAL:
        return CourseVersion.renewal_requested_at.is_not(None)
    approved = CourseVersion.status == CourseVersionStatus.APPROVED
    if value == CourseVersionStatus.APPROVED:
        return and_(approved, CourseVersion.approved_until >= today)
    if value == CourseVersionStatus.EXPIRED:
        ran_out = and_(approved, CourseVersion.approved_until < today)
        return or_(CourseVersion.status == CourseVersionStatus.EXPIRED, ran_out)
    return CourseVersion.status == CourseVersionStatus(value)


def course_versions_query(request: ListRequest, today: date) -> ListQuery[CourseVersion]:
    """Course versions the office has been sent (never a provider's draft); an approval whose
    term ran out before `today` is filtered as ended, not approved."""
    listed = (
        select(CourseVersion)
        .join(Course, Course.id == CourseVersion.course_id)
        .join(Provider, Provider.id == Course.provider_id)
        .where(CourseVersion.status != CourseVersionStatus.DRAFT)
        .options(
            contains_eager(CourseVersion.course).contains_eager(Course.provider),
            selectinload(CourseVersion.competency_set),
            selectinload(CourseVersion.evaluations),
        )
    )
    if request.search:
        listed = listed.where(
            or_(
                CourseVersion.title.icontains(request.search, autoescape=True),
                Provider.name.icontains(request.search, autoescape=True),
            )
        )
    if "status" in request.filters:
        listed = listed.where(_status(request.filters["status"], today))
    if "set" in request.filters:
        listed = listed.where(Course.set_code == request.filters["set"])

    def to_rows(rows: Sequence[AnyRow]) -> list[CourseVersion]:
        return [row[0] for row in rows]

    return ListQuery(
        listed,
        {
            "submitted": CourseVersion.submitted_at,
            "title": CourseVersion.title,
            "provider": Provider.name,
            "approved_until": CourseVersion.approved_until,
        },
        CourseVersion.id,
        to_rows,
    )


def list_course_versions(
    session: Session, request: ListRequest, today: date
) -> ListPage[CourseVersion]:
    return fetch_page(session, course_versions_query(request, today), request)
