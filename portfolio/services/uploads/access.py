"""Who may fetch a stored file: its owner, a reviewer assigned a snapshot that names it, a
supervisor the owner shares evidence with for a file one of the owner's submissions names, or
the program office and the appeals committee for a file sent with an appeal's grounds.

can_download is the one question every download path asks, so they all answer alike, and
download_key says which object they get: the original only for its owner. Which files a
snapshot names is read through the one strict snapshot reader (domain.portfolios.snapshots): a
domain function, so this service needs nothing of the portfolios services above it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.errors import CorruptSnapshot, NotFound
from portfolio.domain.ids import is_row_id
from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.domain.uploads.images import STRIPPED_TYPES
from portfolio.models import (
    Appeal,
    AppealAttachment,
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    CeActivity,
    CourseCompletion,
    Enrollment,
    EnrollmentSet,
    Role,
    Submission,
    SupervisorLink,
    TranscriptProof,
    Upload,
    UploadStatus,
    User,
)
from portfolio.services.uploads.course_files import may_read_course_file

# A reviewer keeps access to what they submitted a review of (to answer questions about it);
# declined or reassigned work is no longer theirs to read.
READABLE = (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)


def own_attachable_upload(session: Session, upload_id: object, owner_id: int) -> Upload | None:
    """The upload `upload_id` names when it is `owner_id`'s and may be attached as evidence,
    proof or a course document; None when it is missing, someone else's, or a portfolio
    export zip (read by its import only). Each caller says what it could not find."""
    upload = session.get(Upload, upload_id) if is_row_id(upload_id) else None
    if upload is None or upload.owner_id != owner_id or upload.is_import:
        return None
    return upload


def reviewer_may_download(session: Session, user: User, upload: Upload) -> bool:
    """True when `user` holds an open or submitted review of a snapshot naming `upload`."""
    submissions = session.scalars(
        select(Submission)
        .join(Assignment, Assignment.submission_id == Submission.id)
        .where(
            Assignment.reviewer_id == user.id,
            Assignment.status.in_(READABLE),
            Assignment.kind != AssignmentKind.CALIBRATION,
        )
    )
    return named_by_any(submissions, upload.key)


def named_by_any(submissions: Iterable[Submission], key: str) -> bool:
    """Whether one of `submissions` names the file stored at `key`. Snapshots are read strictly:
    a corrupt one raises CorruptSnapshot (a clear 409 page, never a silent "no access"), but
    only when no sound one names the file, so that one damaged attempt hides no other."""
    corrupt: CorruptSnapshot | None = None
    for submission in submissions:
        try:
            snapshot = read_snapshot(submission.snapshot, submission.snapshot_sha256)
        except CorruptSnapshot as exc:
            corrupt = corrupt or exc
            continue
        if key in snapshot.file_keys():
            return True
    if corrupt is not None:
        raise corrupt
    return False


def supervisor_may_download(session: Session, user: User, upload: Upload) -> bool:
    """True when the file's owner shares their evidence with `user` (an accepted supervisor
    link) and one of the owner's submissions names the file: a supervisor reads what was
    submitted, never the drafts, and only while it is shared (as services.portfolios.
    shared_evidence shows the submissions)."""
    shared = session.scalar(
        select(SupervisorLink.id).where(
            SupervisorLink.supervisor_id == user.id,
            SupervisorLink.candidate_id == upload.owner_id,
            SupervisorLink.accepted_at.is_not(None),
            SupervisorLink.shares_evidence.is_(True),
        )
    )
    if shared is None:
        return False
    submissions = session.scalars(
        select(Submission)
        .join(EnrollmentSet, Submission.enrollment_set_id == EnrollmentSet.id)
        .join(Enrollment, EnrollmentSet.enrollment_id == Enrollment.id)
        .where(Enrollment.user_id == upload.owner_id)
        .order_by(Submission.id.desc())
    )
    return named_by_any(submissions, upload.key)


def office_may_download(session: Session, upload: Upload) -> bool:
    """True when `upload` proves a continuing-education activity of a renewal application: the
    program office reviews those (services.renewal.review)."""
    return (
        session.scalar(
            select(CeActivity.id).where(
                CeActivity.proof_upload_id == upload.id, CeActivity.renewal_id.is_not(None)
            )
        )
        is not None
    )


def is_course_proof(session: Session, upload: Upload) -> bool:
    """Whether `upload` is a candidate's proof of a course completion or a transcript, which
    the program office checks (and so may open)."""
    return (
        session.scalar(
            select(CourseCompletion.id)
            .where(CourseCompletion.proof_upload_id == upload.id)
            .limit(1)
        )
        is not None
        or session.scalar(
            select(TranscriptProof.id)
            .where(TranscriptProof.transcript_upload_id == upload.id)
            .limit(1)
        )
        is not None
    )


def can_download(session: Session, user: User | None, upload: Upload) -> bool:
    """Whether `user` may download `upload`: only verified files, and only by their owner, by a
    reviewer assigned to a submission whose snapshot names the file (reviewer_may_download), by
    those who may read a course application's files (course_files), by an administrator or
    committee member when it was filed with an appeal, by an administrator when it is a
    candidate's course proof or transcript, or proves an activity of a renewal application
    (office_may_download), or by a supervisor the owner shares a submission naming it with
    (supervisor_may_download). Never a portfolio import's zip, not even by its owner."""
    if user is None or upload.status != UploadStatus.VERIFIED:
        return False
    if upload.is_import:  # a portfolio export zip is read by its import only
        return False
    if upload.owner_id == user.id:
        return True
    if user.has_role(Role.ADMINISTRATOR) and office_may_download(session, upload):
        return True
    if (user.has_role(Role.ADMINISTRATOR) or user.has_role(Role.COMMITTEE)) and filed_with_appeal(
        session, upload
    ):
        return True
    if user.has_role(Role.ADMINISTRATOR) and is_course_proof(session, upload):
        return True
    # A reviewer whose role was revoked loses access to candidates' files at once.
    if user.has_role(Role.REVIEWER) and reviewer_may_download(session, user, upload):
        return True
    if user.has_role(Role.SUPERVISOR) and supervisor_may_download(session, user, upload):
        return True
    return may_read_course_file(session, user, upload)


def filed_with_appeal(session: Session, upload: Upload) -> bool:
    """True when `upload` was sent with the grounds of an appeal (filed, so fixed)."""
    return (
        session.scalar(
            select(AppealAttachment.id)
            .join(Appeal, Appeal.id == AppealAttachment.appeal_id)
            .where(AppealAttachment.upload_id == upload.id, Appeal.grounds_filed_at.is_not(None))
        )
        is not None
    )


def download_key(user: User, upload: Upload) -> str:
    """The object `user` (already allowed by can_download) is given for `upload`.

    The owner gets the original; anyone else gets the copy without metadata when there is one
    (reviewer_copies: every image, and a PDF that could be cleaned), and an image never as
    sent. NotFound (404) for an image verified before such copies were made, until `flask
    storage prepare-images` writes its copy."""
    if upload.owner_id == user.id:
        return upload.key
    if upload.reviewer_key is not None:
        return upload.reviewer_key
    if (upload.content_type or "") in STRIPPED_TYPES:
        raise NotFound(
            "This image is not ready for review yet: its copy without the camera's details "
            "has not been made. The program office can prepare it."
        )
    return upload.key
