"""Jobs that used up their retries: kept for administrators, who see why and send them again.

The task queue reports a job's final failure (portfolio.jobs.failures); `record` keeps one row
per run, `waiting` lists the ones nobody has retried, and `retry` sends one again after the
commit. Jobs are idempotent, so a retry of work that meanwhile got done does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, NotFound
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.models import JobFailure, User
from portfolio.services import audit, outbox
from portfolio.services.listing import ListQuery, fetch_page


def record(
    session: Session,
    *,
    task_id: str,
    task_name: str,
    args: list[object],
    error: str,
    now: datetime,
) -> JobFailure:
    """Keep the failure of run `task_id` (once: a run reported again updates its row)."""
    failure = session.scalar(select(JobFailure).where(JobFailure.task_id == task_id))
    if failure is None:
        failure = JobFailure(task_id=task_id, task_name=task_name, arguments={"args": args})
        session.add(failure)
    failure.error = error[:4000]
    failure.failed_at = now
    failure.retried_at = None
    session.flush()
    return failure


def failure_list(labels: Mapping[str, str]) -> ListSpec:
    """The failed jobs list; `labels` names each job in words (the filter's choices)."""
    return ListSpec(
        sorts=(Choice("failed", "Date failed"), Choice("job", "Job")),
        filters=(
            ListFilter("job", "Job", tuple(Choice(name, label) for name, label in labels.items())),
        ),
        search_label="Search the error or what the job was for",
    )


def waiting_query(request: ListRequest) -> ListQuery[JobFailure]:
    """Failures nobody has retried yet (newest first unless sorted otherwise)."""
    listed = select(JobFailure).where(JobFailure.retried_at.is_(None))
    if request.search:
        listed = listed.where(
            or_(
                JobFailure.error.icontains(request.search, autoescape=True),
                cast(JobFailure.arguments, String).icontains(request.search, autoescape=True),
            )
        )
    if "job" in request.filters:
        listed = listed.where(JobFailure.task_name == request.filters["job"])
    return ListQuery(
        listed,
        {"failed": JobFailure.failed_at, "job": JobFailure.task_name},
        JobFailure.id,
        lambda rows: [row[0] for row in rows],
    )


def waiting(session: Session, request: ListRequest) -> ListPage[JobFailure]:
    return fetch_page(session, waiting_query(request), request)


def retry(
    session: Session, failure_id: int, now: datetime, *, actor: User | None = None
) -> JobFailure:
    """Send the failed job again after the commit (audited with who asked). NotFound for an
    unknown id; Conflict once it was retried."""
    failure = session.get(JobFailure, failure_id)
    if failure is None:
        raise NotFound("There is no such failed job.")
    if failure.retried_at is not None:
        raise Conflict("This job was sent again already.")
    failure.retried_at = now
    outbox.enqueue(session, failure.task_name, *failure.arguments.get("args", []))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.JOB_RETRIED,
        object_type="job_failure",
        object_id=failure.id,
        details={"task": failure.task_name, "error": failure.error[:500]},
    )
    return failure
