"""The program office's decisions on course applications: approve (for the approval term of
the program's rules), return with a written reason, and renew an approval. Audited; the
provider is emailed after the commit. Flushes only.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.courses import approval
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict
from portfolio.domain.programs.rules import CourseApprovalRules
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    CourseEvaluationStatus,
    CourseVersion,
    CourseVersionStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.courses import notices
from portfolio.services.courses.evaluations import BEING_JUDGED, withdraw_open
from portfolio.services.courses.rules import course_rules

CHANGED_SINCE_LOADED = (
    "This course changed after you opened the page. Reload the page to see it as it stands now."
)


def submitted_evaluations(version: CourseVersion) -> int:
    return sum(1 for e in version.evaluations if e.status is CourseEvaluationStatus.SUBMITTED)


def approve(
    session: Session,
    version: CourseVersion,
    *,
    actor: User,
    today: date,
    expected_version: int | None = None,
) -> None:
    """Approve the version from today for the approval term (rule data).

    Conflict unless it is being judged, before the rules' number of evaluations is in, or when
    `expected_version` is no longer the stored one."""
    _require_judged(version, expected_version)
    rules = _rules(version)
    done = submitted_evaluations(version)
    if done < rules.evaluators_per_course:
        raise Conflict(
            f"Wait for the course evaluators: {done} of {rules.evaluators_per_course} "
            "evaluations are in."
        )
    version.status = CourseVersionStatus.APPROVED
    version.approved_on = today
    version.approved_until = approval.approval_until(today, rules)
    _decided(version, actor)
    withdraw_open(version)
    session.flush()
    _record(session, version, actor, AuditAction.COURSE_VERSION_APPROVED)
    until = format_date(version.approved_until)
    notices.tell_provider(
        session,
        version,
        subject=f"Course approved: {version.title}",
        body=(
            f"{version.title} is approved for {version.competency_set.code} "
            f"{version.competency_set.name} from {format_date(today)} until {until}. It is now "
            "listed in the catalogue of approved courses."
        ),
    )


def return_version(
    session: Session,
    version: CourseVersion,
    *,
    actor: User,
    reason: str,
    expected_version: int | None = None,
) -> None:
    """Return the version to its provider with a written reason (InvalidInput without one)."""
    _require_judged(version, expected_version)
    text = written_reason(reason)
    version.status = CourseVersionStatus.RETURNED
    version.returned_reason = text
    _decided(version, actor)
    withdraw_open(version)
    session.flush()
    _record(session, version, actor, AuditAction.COURSE_VERSION_RETURNED, reason=text)
    notices.tell_provider(
        session,
        version,
        subject=f"Course returned: {version.title}",
        body=(
            f"The program office returned {version.title} without approving it. Their "
            f"reason:\n\n{text}\n\nTo apply again, make a new version of the course, change "
            "what the reason asks for, and submit it."
        ),
    )


def renew(
    session: Session,
    version: CourseVersion,
    *,
    actor: User,
    expected_version: int | None = None,
) -> None:
    """Grant a requested renewal: the approval runs another term from its current end."""
    _require_version(version, expected_version)
    if version.status is not CourseVersionStatus.APPROVED or version.renewal_requested_at is None:
        raise Conflict("This course has not asked for a renewal.")
    assert version.approved_until is not None
    rules = _rules(version)
    before = version.approved_until
    version.approved_until = approval.renewed_until(before, rules)
    version.renewal_requested_at = None
    session.flush()
    _record(
        session,
        version,
        actor,
        AuditAction.COURSE_VERSION_RENEWED,
        approved_until_before=before.isoformat(),
    )
    notices.tell_provider(
        session,
        version,
        subject=f"Course approval renewed: {version.title}",
        body=(
            f"The approval of {version.title} is renewed until "
            f"{format_date(version.approved_until)}."
        ),
    )


def _require_version(version: CourseVersion, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != version.version:
        raise Conflict(CHANGED_SINCE_LOADED)


def _require_judged(version: CourseVersion, expected_version: int | None) -> None:
    _require_version(version, expected_version)
    if version.status not in BEING_JUDGED:
        raise Conflict(f"This course is {version.status.value.replace('_', ' ')}, not waiting.")


def _decided(version: CourseVersion, actor: User) -> None:
    version.decided_at = utcnow()
    version.decided_by_id = actor.id


def _rules(version: CourseVersion) -> CourseApprovalRules:
    rules = course_rules(version.competency_set.framework, required=True)
    assert rules is not None
    return rules


def _record(
    session: Session, version: CourseVersion, actor: User, action: AuditAction, **extra: object
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="course_version",
        object_id=version.id,
        details={
            "course_id": version.course_id,
            "number": version.number,
            "title": version.title,
            "approved_on": version.approved_on.isoformat() if version.approved_on else None,
            "approved_until": (
                version.approved_until.isoformat() if version.approved_until else None
            ),
            **extra,
        },
    )
