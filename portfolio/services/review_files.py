"""Which stored files a reviewer may fetch: those named by a snapshot they were assigned.

services.upload_access.can_download is the one question every download path asks; it should
also answer yes when `reviewer_may_download` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import Assignment, AssignmentKind, AssignmentStatus, Submission, Upload, User

# A reviewer keeps access to what they submitted a review of (to answer questions about it);
# declined or reassigned work is no longer theirs to read.
READABLE = (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)


def snapshot_keys(snapshot: Mapping[str, Any]) -> set[str]:
    """The object-store keys of every file a snapshot names."""
    keys: set[str] = set()
    for entry in snapshot.get("competencies") or ():
        if not isinstance(entry, Mapping):
            continue
        for artifact in entry.get("artifacts") or ():
            file = artifact.get("file") if isinstance(artifact, Mapping) else None
            if isinstance(file, Mapping) and isinstance(file.get("key"), str):
                keys.add(file["key"])
    return keys


def reviewer_may_download(session: Session, user: User, upload: Upload) -> bool:
    """True when `user` holds an open or submitted review of a snapshot naming `upload`."""
    snapshots: Iterable[Mapping[str, Any]] = session.scalars(
        select(Submission.snapshot)
        .join(Assignment, Assignment.submission_id == Submission.id)
        .where(
            Assignment.reviewer_id == user.id,
            Assignment.status.in_(READABLE),
            Assignment.kind != AssignmentKind.CALIBRATION,
        )
    )
    return any(upload.key in snapshot_keys(snapshot) for snapshot in snapshots)
