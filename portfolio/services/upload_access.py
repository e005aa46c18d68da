"""Who may fetch a stored file. One function, so every download path asks the same question."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.models import Role, Upload, UploadStatus, User
from portfolio.services.review_files import reviewer_may_download


def can_download(session: Session, user: User | None, upload: Upload) -> bool:
    """Whether `user` may download `upload`: only verified files, and only by their owner or
    by a reviewer assigned to a submission whose snapshot names the file (review_files)."""
    if user is None or upload.status != UploadStatus.VERIFIED:
        return False
    if upload.owner_id == user.id:
        return True
    # A reviewer whose role was revoked loses access to candidates' files at once.
    return user.has_role(Role.REVIEWER) and reviewer_may_download(session, user, upload)
