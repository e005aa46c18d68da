"""Certification decisions for the program office: the latest recorded, one with its history,
and overriding one with a written reason (DESIGN: "an administrator can override with a written
reason, which is audited too").

Overriding to certified issues the certificate as the evaluation service does; overriding to
not certified closes the enrollment and revokes its certificate with the same reason. The
decision keeps the reasons it was recorded with; the override sits beside them and in the audit
trail. Everything here flushes; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.certification.revocation import public_statement as checked_statement
from portfolio.domain.errors import Conflict, NotFound
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.domain.notifications import Kind
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Certificate,
    CertificationDecision,
    DecisionStatus,
    Enrollment,
    EnrollmentStatus,
    Framework,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.certification import certificate_admin
from portfolio.services.certification import evaluation as certification
from portfolio.services.links import page_url
from portfolio.services.listing import ListQuery, fetch_page
from portfolio.services.notifications import notify

# The actions a decision's history shows.
_HISTORY = (AuditAction.CERTIFICATION_DECIDED, AuditAction.CERTIFICATION_OVERRIDDEN)


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One line of the decisions list."""

    id: int
    candidate: str
    program: str
    status: DecisionStatus
    decided_at: datetime
    overridden: bool
    candidate_id: int = 0


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A decision or an override, from the audit trail, with who made it (None: the service)."""

    at: datetime
    action: str
    actor: str | None
    details: dict[str, Any]

    @property
    def overridden(self) -> bool:
        """True for an administrator's override, False for the evaluation service's decision."""
        return self.action == AuditAction.CERTIFICATION_OVERRIDDEN


@dataclass(frozen=True)
class DecisionFile:
    """One decision with its candidate and program loaded, its certificate and its history."""

    decision: CertificationDecision
    certificate: Certificate | None
    history: list[HistoryEntry]

    @property
    def summary(self) -> str:
        return str(self.decision.reasons.get("summary", ""))

    @property
    def reasons(self) -> list[str]:
        return [str(line) for line in self.decision.reasons.get("reasons", [])]

    @property
    def target(self) -> DecisionStatus:
        """The one status an override can set: the other one."""
        return other_status(self.decision.status)


def other_status(status: DecisionStatus) -> DecisionStatus:
    if status is DecisionStatus.CERTIFIED:
        return DecisionStatus.NOT_CERTIFIED
    return DecisionStatus.CERTIFIED


DECISION_LIST = ListSpec(
    sorts=(Choice("decided", "Date decided"), Choice("candidate", "Candidate's name")),
    filters=(
        ListFilter(
            "status",
            "Decision",
            tuple(Choice(status.value, status.label.capitalize()) for status in DecisionStatus),
        ),
        ListFilter("overridden", "Overridden", (Choice("yes", "Yes"), Choice("no", "No"))),
    ),
    search_label="Search by candidate name or email",
)


def decisions_query(request: ListRequest) -> ListQuery[DecisionRow]:
    """One page of decisions, both statuses, searched, filtered and sorted (two queries)."""
    listed = (
        select(
            CertificationDecision.id,
            User.name,
            Framework.name,
            CertificationDecision.status,
            CertificationDecision.decided_at,
            CertificationDecision.overridden_by_id,
            User.id,
        )
        .join(Enrollment, Enrollment.id == CertificationDecision.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Framework, Framework.id == Enrollment.framework_id)
    )
    if request.search:
        listed = listed.where(
            or_(
                User.name.icontains(request.search, autoescape=True),
                User.email.icontains(request.search, autoescape=True),
            )
        )
    if "status" in request.filters:
        listed = listed.where(
            CertificationDecision.status == DecisionStatus(request.filters["status"])
        )
    if "overridden" in request.filters:
        overridden = CertificationDecision.overridden_by_id.is_not(None)
        listed = listed.where(overridden if request.filters["overridden"] == "yes" else ~overridden)
    return ListQuery(
        listed,
        {"decided": CertificationDecision.decided_at, "candidate": User.name},
        CertificationDecision.id,
        lambda rows: [
            DecisionRow(
                row_id, candidate, program, status, decided_at, overridden_by is not None, user_id
            )
            for row_id, candidate, program, status, decided_at, overridden_by, user_id in rows
        ],
    )


def list_decisions(session: Session, request: ListRequest) -> ListPage[DecisionRow]:
    return fetch_page(session, decisions_query(request), request)


def decision_file(session: Session, decision_id: int) -> DecisionFile:
    """The decision with its candidate, program, certificate and history; NotFound if unknown."""
    decision = session.scalar(
        select(CertificationDecision)
        .where(CertificationDecision.id == decision_id)
        .options(
            joinedload(CertificationDecision.enrollment).joinedload(Enrollment.user),
            joinedload(CertificationDecision.enrollment).joinedload(Enrollment.framework),
        )
    )
    if decision is None:
        raise NotFound("We could not find that decision.")
    certificate = certification.certificate_of(session, decision.enrollment)
    events = [
        e
        for e in audit.events_for(session, "enrollment", decision.enrollment_id)
        if e.action in _HISTORY
    ]
    return DecisionFile(decision, certificate, _with_actors(session, events))


def _with_actors(session: Session, events: list[AuditEvent]) -> list[HistoryEntry]:
    # One query whether or not anyone is named, so the page's query count stays the same.
    ids = {e.actor_id for e in events if e.actor_id is not None}
    names: dict[int, str] = dict(
        session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    )
    return [
        HistoryEntry(
            e.at, e.action, names.get(e.actor_id) if e.actor_id is not None else None, e.details
        )
        for e in events
    ]


def revoke(
    session: Session,
    certificate: Certificate,
    decision: CertificationDecision | None,
    *,
    actor: User,
    reason: str,
    today: date,
    public_statement: str = "",
) -> None:
    """An administrator revokes a certificate with a written reason and an optional public
    statement (what its public page says instead of the reason).

    When its holder is still certified, the decision turns too (override_decision to not
    certified), so the enrollment, the cohorts and the decisions list say what the public page
    says; otherwise only the certificate is revoked. Errors as for either.
    """
    if decision is not None and decision.status is DecisionStatus.CERTIFIED:
        override_decision(
            session,
            decision,
            actor=actor,
            status=DecisionStatus.NOT_CERTIFIED,
            reason=reason,
            today=today,
            public_statement=public_statement,
        )
    else:
        certificate_admin.revoke_certificate(
            session,
            certificate,
            actor=actor,
            reason=reason,
            now=utcnow(),
            public_statement=public_statement,
        )


def override_decision(
    session: Session,
    decision: CertificationDecision,
    *,
    actor: User,
    status: DecisionStatus,
    reason: str,
    today: date,
    public_statement: str = "",
) -> None:
    """Change the decision to `status` with a written reason (audited; the candidate is emailed
    after the commit).

    To certified: the enrollment is certified and a certificate issued, or its revoked
    certificate reinstated. To not certified: the enrollment is closed and its certificate
    revoked with `reason` (internal) and `public_statement` (what its public page says; the
    standard wording when empty). Either way the credential status list is signed again.
    InvalidInput (field "reason" or "public_statement") for a missing or long reason or a
    statement out of bounds; Conflict when the decision has that status already.
    """
    reason = written_reason(reason)
    checked_statement(public_statement)  # refused before anything changes
    enrollment = decision.enrollment
    # The same lock as evaluate_enrollment: one change to an enrollment's decision at a time,
    # and the status read below is the one committed last.
    session.execute(
        select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update()
    ).all()
    session.refresh(decision, ["status", "overridden_by_id", "override_reason"])
    if status == decision.status:
        raise Conflict(f"The decision is already {status.label}.")
    certificate = certification.certificate_of(session, enrollment)
    before = decision.status
    reinstated = False
    if status is DecisionStatus.CERTIFIED:
        if certificate is not None and certificate.revoked_at is None:
            raise Conflict(f"This enrollment already has certificate {certificate.number}.")
        if _started_again(session, enrollment):
            raise Conflict(
                "This person has applied to the program again since this enrollment ended; "
                "decide the new application instead."
            )
        _apply(decision, enrollment, actor, status, reason)
        if certificate is None:
            certification.issue_certificate(session, enrollment, today, actor)
        else:
            # Its revocation is undone: the same certificate (and credential) is valid again.
            certificate_admin.reinstate_certificate(
                session, certificate, actor=actor, reason=reason, now=utcnow()
            )
            reinstated = True
    else:
        _apply(decision, enrollment, actor, status, reason)
        if certificate is not None and certificate.revoked_at is None:
            certificate_admin.revoke_certificate(
                session,
                certificate,
                actor=actor,
                reason=reason,
                now=utcnow(),
                public_statement=public_statement,
            )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.CERTIFICATION_OVERRIDDEN,
        object_type="enrollment",
        object_id=enrollment.id,
        details={
            "decision_id": decision.id,
            "before": before.value,
            "after": status.value,
            "reason": reason,
        },
    )
    _tell_candidate(
        session, enrollment, status, reason, reinstated=certificate if reinstated else None
    )


def _started_again(session: Session, enrollment: Enrollment) -> bool:
    """Whether the person applied to the same program after this enrollment: certifying the
    old one then would leave two enrollments going at once."""
    later = (
        select(Application.id)
        .join(Framework, Framework.id == Application.framework_id)
        .where(
            Application.user_id == enrollment.user_id,
            Framework.slug == enrollment.framework.slug,
            Application.id > enrollment.application_id,
            Application.status != ApplicationStatus.REJECTED,
        )
    )
    return session.scalar(later.limit(1)) is not None


def _apply(
    decision: CertificationDecision,
    enrollment: Enrollment,
    actor: User,
    status: DecisionStatus,
    reason: str,
) -> None:
    decision.status = status
    decision.overridden_by_id, decision.override_reason = actor.id, reason
    enrollment.status = (
        EnrollmentStatus.CERTIFIED
        if status is DecisionStatus.CERTIFIED
        else EnrollmentStatus.CLOSED
    )


def _tell_candidate(
    session: Session,
    enrollment: Enrollment,
    status: DecisionStatus,
    reason: str,
    *,
    reinstated: Certificate | None = None,
) -> None:
    candidate, program = enrollment.user, enrollment.framework.name
    if reinstated is not None:
        outcome = (
            f"You are certified again: your certificate {reinstated.number} is no longer "
            "revoked, and its digital credential is valid again."
        )
    elif status is DecisionStatus.CERTIFIED:
        outcome = "You are now certified; your certificate number comes in a separate message."
    else:
        outcome = "You are not certified, and any certificate issued to you is revoked."
    notify(
        session,
        user=candidate,
        kind=Kind.DECISION,
        link="/me/",
        subject=f"Your certification decision has changed: {program}",
        body=(
            f"Hello {candidate.name},\n\nThe program office has changed the decision on your "
            f"enrollment in {program} to: {status.label}. {outcome}\n\nThe reason given:\n"
            f"{reason}\n\nSee where you stand: {page_url('/me/') or 'sign in to Portfolio'}. "
            "Contact the program office with any question."
        ),
    )
