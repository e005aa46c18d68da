"""The candidate's steps: the notice of intent, attaching files, and the full grounds.

Each is refused with the dates once its deadline has passed (domain.appeals.deadlines); a
decision is appealed once (the unique subject columns catch a second notice filed at the same
instant). Everything flushes; the request commits, and the emails leave after it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.domain.appeals.deadlines import (
    NO_PROCEDURE,
    filing_deadlines,
    grounds_refusal,
    notice_refusal,
    office_due,
)
from portfolio.domain.appeals.grounds import appeal_grounds
from portfolio.domain.appeals.stages import AppealStage, AppealSubject, advance
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.programs.rules import AppealRules
from portfolio.models import Appeal, AppealAttachment, Role, UploadStatus, User
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.appeals import emails
from portfolio.services.appeals.cases import Case, case_of
from portfolio.services.uploads.access import own_attachable_upload

MAX_ATTACHMENTS = 20


def appeal_of(session: Session, case: Case) -> Appeal | None:
    """The appeal already filed against this case, if any."""
    column = (
        Appeal.submission_id if case.subject is AppealSubject.SET_OUTCOME else Appeal.decision_id
    )
    return session.scalar(select(Appeal).where(column == case.subject_id))


def file_notice(session: Session, case: Case, *, candidate: User, today: date) -> Appeal:
    """File the notice of intent to appeal `case` (the candidate's own, loaded by cases).

    Conflict (409) when the program has no appeal procedure, when this decision was appealed
    already, or when the notice deadline has passed (the message gives the dates)."""
    rules = _rules(case)
    existing = appeal_of(session, case)
    if existing is not None:
        raise Conflict(
            "You have already filed a notice of intent to appeal this decision, on "
            f"{format_date(existing.notice_filed_at)}: follow it on its page."
        )
    refusal = notice_refusal(case.decided_on, today, rules)
    if refusal:
        raise Conflict(refusal)
    appeal = Appeal(
        candidate_id=candidate.id,
        subject=case.subject,
        submission_id=case.submission.id if case.submission is not None else None,
        decision_id=case.decision.id if case.decision is not None else None,
        decided_on=case.decided_on,
        stage=AppealStage.NOTICE_FILED,
    )
    try:
        with session.begin_nested():
            session.add(appeal)
            session.flush()
    except IntegrityError:
        raise Conflict(
            "You have already filed a notice of intent to appeal this decision."
        ) from None
    appeal.candidate = candidate
    deadlines = filing_deadlines(case.decided_on, rules)
    audit.record(
        session,
        actor=candidate,
        action=AuditAction.APPEAL_NOTICE_FILED,
        object_type="appeal",
        object_id=appeal.id,
        details={
            "subject": case.subject.value,
            "subject_id": case.subject_id,
            "decided_on": str(case.decided_on),
            "grounds_by": str(deadlines.grounds_by),
        },
    )
    emails.to_candidate(
        session,
        appeal,
        "notice",
        "Your notice of intent to appeal is filed",
        f"Your notice of intent to appeal is filed: {case.title}, decided on "
        f"{format_date(case.decided_on)}. File the full grounds, in detail and with any files, "
        f"by {format_date(deadlines.grounds_by)}. If they are not filed by then, the right to "
        "appeal this decision ends.",
    )
    emails.to_role(
        session,
        appeal,
        "notice",
        Role.ADMINISTRATOR,
        "A notice of intent to appeal",
        f"{candidate.name} has filed a notice of intent to appeal: {case.title}. The full "
        f"grounds are due by {format_date(deadlines.grounds_by)}.",
    )
    return appeal


def attach_file(
    session: Session, appeal: Appeal, *, candidate: User, upload_id: object, today: date
) -> AppealAttachment:
    """Send a verified upload of the candidate's with the grounds (before they are filed).

    NotFound (404) for an upload that is missing or someone else's; InvalidInput (422) for
    one not verified; Conflict (409) once the grounds are filed or their deadline has passed,
    for a file already attached, or past MAX_ATTACHMENTS."""
    case = _open_for_grounds(session, appeal, today)
    upload = own_attachable_upload(session, upload_id, candidate.id)
    if upload is None:
        raise NotFound("We could not find that file.")
    if upload.status is not UploadStatus.VERIFIED:
        raise InvalidInput("Wait until the file is checked, then attach it.", field="upload_id")
    if session.scalar(select(AppealAttachment.id).where(AppealAttachment.upload_id == upload.id)):
        raise Conflict("This file is already attached to an appeal.")
    count = session.scalar(
        select(func.count(AppealAttachment.id)).where(AppealAttachment.appeal_id == appeal.id)
    )
    if (count or 0) >= MAX_ATTACHMENTS:
        raise Conflict(f"An appeal takes at most {MAX_ATTACHMENTS} files.")
    attachment = AppealAttachment(appeal_id=appeal.id, upload_id=upload.id)
    try:
        with session.begin_nested():
            session.add(attachment)
            session.flush()
    except IntegrityError:
        raise Conflict("This file is already attached to an appeal.") from None
    session.expire(appeal, ["attachments"])
    audit.record(
        session,
        actor=candidate,
        action=AuditAction.APPEAL_FILE_ATTACHED,
        object_type="appeal",
        object_id=appeal.id,
        details={"upload_id": upload.id, "name": upload.original_name, "case": case.title},
    )
    return attachment


def file_grounds(
    session: Session, appeal: Appeal, *, candidate: User, grounds: object, today: date
) -> None:
    """File the full grounds (with the files attached so far, fixed from now on).

    Conflict (409) when they were filed already or their deadline has passed (with the dates);
    InvalidInput (422, field "grounds") when they are empty, too short or too long."""
    case = _open_for_grounds(session, appeal, today)
    text = appeal_grounds(grounds)
    appeal.stage = advance(appeal.stage, "grounds")
    appeal.grounds, appeal.grounds_filed_at = text, utcnow()
    session.flush()
    rules = _rules(case)
    due = office_due(today, rules)
    audit.record(
        session,
        actor=candidate,
        action=AuditAction.APPEAL_GROUNDS_FILED,
        object_type="appeal",
        object_id=appeal.id,
        details={
            "characters": len(text),
            "attachments": [a.upload_id for a in appeal.attachments],
            "office_due": str(due),
        },
    )
    emails.to_candidate(
        session,
        appeal,
        "grounds",
        "The grounds of your appeal are filed",
        f"The grounds of your appeal are filed ({case.title}). The program office answers "
        f"them, or states that it will not, by {format_date(due)}; the appeals committee then "
        "judges whether the published procedure was followed and the decision fairly reached.",
    )
    emails.to_role(
        session,
        appeal,
        "grounds",
        Role.ADMINISTRATOR,
        "Appeal grounds to answer",
        f"{candidate.name} has filed the grounds of an appeal ({case.title}). Answer them, "
        f"or state that the office will not, by {format_date(due)}.",
    )


def _open_for_grounds(session: Session, appeal: Appeal, today: date) -> Case:
    """The case, while the grounds may still be filed; Conflict otherwise.

    The appeal's row is locked first, so a file attached while the grounds are being filed
    waits, then sees them filed and is refused (the files sent are those on record then)."""
    # Lock the row alone (a locking refresh would lock its eagerly joined relations too, which
    # PostgreSQL refuses on the nullable side of an outer join), then read it as it now stands.
    session.execute(select(Appeal.id).where(Appeal.id == appeal.id).with_for_update())
    session.refresh(appeal)
    if appeal.stage is not AppealStage.NOTICE_FILED:
        raise Conflict("The grounds of this appeal are already filed; they cannot change.")
    case = case_of(appeal)
    refusal = grounds_refusal(appeal.decided_on, today, _rules(case))
    if refusal:
        raise Conflict(refusal)
    return case


def _rules(case: Case) -> AppealRules:
    if case.rules is None:
        raise Conflict(NO_PROCEDURE)
    return case.rules
