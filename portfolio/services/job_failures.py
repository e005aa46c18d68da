"""Jobs that used up their retries: kept for administrators, who see why and send them again.

The task queue reports a job's final failure (portfolio.jobs.failures); `record` keeps one row
per run, `waiting` lists the ones nobody has retried, and `retry` sends one again after the
commit. Jobs are idempotent, so a retry of work that meanwhile got done does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, NotFound
from portfolio.models import JobFailure, User
from portfolio.services import audit, outbox


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


def waiting(session: Session, *, limit: int = 100) -> tuple[list[JobFailure], int]:
    """Failures nobody has retried yet, newest first: at most `limit`, and how many in all."""
    condition = JobFailure.retried_at.is_(None)
    total = session.scalar(select(func.count()).select_from(JobFailure).where(condition)) or 0
    rows = session.scalars(
        select(JobFailure)
        .where(condition)
        .order_by(JobFailure.failed_at.desc(), JobFailure.id.desc())
        .limit(limit)
    ).all()
    return list(rows), total


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
