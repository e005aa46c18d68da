"""Jobs that failed for good: one row per task run that used up its retries.

The task queue keeps nothing once a job has failed; this table is what administrators see and
retry (services.job_failures).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, utcnow


class JobFailure(Base):
    __tablename__ = "job_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One row per run: eager retries of one run report its failure more than once.
    task_id: Mapped[str] = mapped_column(String(155), unique=True)
    task_name: Mapped[str] = mapped_column(String(200))
    arguments: Mapped[dict[str, Any]]  # {"args": [...]}: what the retry sends again
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    retried_at: Mapped[datetime | None]  # an administrator sent it again
