"""The evaluation service: decide an enrollment from its sets and issue the certificate.

`evaluate_enrollment` runs whenever a set becomes met (outcomes.settle) or a course is verified,
and `decide_expired` daily for enrollments whose window has ended. A decision is recorded once,
with the domain's reasons, and audited; certifying issues the certificate (a random number,
valid for the program's validity period) and emails the candidate after the commit.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, object_session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.certification.evaluation import Decision, Verdict, evaluate, expiry
from portfolio.domain.dates import format_date
from portfolio.domain.notifications import Kind
from portfolio.domain.programs.rules import ProgramRules
from portfolio.models import (
    Certificate,
    CertificationDecision,
    DecisionStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.certification.evidence import evidence_of
from portfolio.services.certification.issuer import current_issuer
from portfolio.services.certification.numbers import new_number
from portfolio.services.certification.open_badges import issue_credential
from portfolio.services.certification.set_states import set_states
from portfolio.services.links import page_url
from portfolio.services.notifications import notify
from portfolio.services.programs.versions import load_rules

DASHBOARD_PATH = "/me/"


def standing(enrollment: Enrollment, today: date, *, name_evidence: bool = True) -> Decision:
    """Where the enrollment stands now, by the rule (nothing recorded). Naming each set's
    evidence in the reasons costs three queries; lists of many enrollments that show only the
    summary (what is missing) leave it out."""
    rules = load_rules(enrollment.framework)
    session = object_session(enrollment)
    evidence = evidence_of(session, enrollment) if session is not None and name_evidence else {}
    return evaluate(
        set_states(enrollment, evidence),
        rules.electives_required,
        enrollment.window_ends_on,
        today,
    )


def decision_of(session: Session, enrollment: Enrollment) -> CertificationDecision | None:
    return session.scalar(
        select(CertificationDecision).where(CertificationDecision.enrollment_id == enrollment.id)
    )


def certificate_of(session: Session, enrollment: Enrollment) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.enrollment_id == enrollment.id))


def evaluate_enrollment(
    session: Session, enrollment: Enrollment, today: date, *, actor: User | None = None
) -> CertificationDecision | None:
    """Record the decision if the rule now gives one (certified, or not after the window).

    The enrollment row is locked first, so two sets met at the same instant certify once.
    Returns the decision recorded now or before, or None while the outcome is still open.
    """
    session.execute(
        select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update()
    ).all()
    existing = decision_of(session, enrollment)
    if existing is not None:
        return existing
    session.refresh(enrollment, ["sets"])
    decision = standing(enrollment, today)
    if decision.verdict is Verdict.NOT_YET:
        return None
    certified = decision.verdict is Verdict.CERTIFIED
    recorded = decision_record(enrollment.id, decision)
    session.add(recorded)
    enrollment.status = EnrollmentStatus.CERTIFIED if certified else EnrollmentStatus.CLOSED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.CERTIFICATION_DECIDED,
        object_type="enrollment",
        object_id=enrollment.id,
        details=decision.as_document(),
    )
    if certified:
        _issue(session, enrollment, today, actor)
    else:
        tell_not_certified(session, enrollment, decision)
    return recorded


def decide_expired(session: Session, today: date) -> int:
    """Decide every active enrollment whose completion window has ended; how many were."""
    expired = session.scalars(
        select(Enrollment)
        .where(Enrollment.status == EnrollmentStatus.ACTIVE, Enrollment.window_ends_on < today)
        .options(
            joinedload(Enrollment.sets).joinedload(EnrollmentSet.competency_set),
            joinedload(Enrollment.framework),
            joinedload(Enrollment.user),
        )
        .order_by(Enrollment.id)
    ).unique()
    return sum(evaluate_enrollment(session, e, today) is not None for e in list(expired))


def decision_record(enrollment_id: int, decision: Decision) -> CertificationDecision:
    """The stored decision (certified or not) for a decision the rule gave."""
    certified = decision.verdict is Verdict.CERTIFIED
    return CertificationDecision(
        enrollment_id=enrollment_id,
        status=DecisionStatus.CERTIFIED if certified else DecisionStatus.NOT_CERTIFIED,
        reasons=decision.as_document(),
    )


def new_certificate(enrollment: Enrollment, rules: ProgramRules, today: date) -> Certificate:
    """The enrollment's certificate, issued today by its program's `rules` (not yet added to
    the session)."""
    return Certificate(
        number=new_number(),
        enrollment_id=enrollment.id,
        user_id=enrollment.user_id,
        framework_id=enrollment.framework_id,
        issued_on=today,
        expires_on=expiry(today, rules.certificate_validity_years),
    )


def issued_details(certificate: Certificate) -> dict[str, object]:
    """What the audit trail says of an issued certificate."""
    return {
        "number": certificate.number,
        "enrollment_id": certificate.enrollment_id,
        "issued_on": str(certificate.issued_on),
        "expires_on": str(certificate.expires_on),
    }


def _issue(session: Session, enrollment: Enrollment, today: date, actor: User | None) -> None:
    certificate = new_certificate(enrollment, load_rules(enrollment.framework), today)
    session.add(certificate)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.CERTIFICATE_ISSUED,
        object_type="certificate",
        object_id=certificate.id,
        details=issued_details(certificate),
    )
    # Signed now and stored, so every later request only reads it.
    issue_credential(session, certificate, current_issuer(), utcnow())
    tell_certified(session, enrollment, certificate)


def tell_certified(session: Session, enrollment: Enrollment, certificate: Certificate) -> None:
    subject, body = certified_message(enrollment, certificate)
    notify(
        session,
        user=enrollment.user,
        kind=Kind.DECISION,
        link=DASHBOARD_PATH,
        subject=subject,
        body=body,
    )


def tell_not_certified(session: Session, enrollment: Enrollment, decision: Decision) -> None:
    subject, body = not_certified_message(enrollment, decision)
    notify(
        session,
        user=enrollment.user,
        kind=Kind.DECISION,
        link=DASHBOARD_PATH,
        subject=subject,
        body=body,
    )


def certified_message(enrollment: Enrollment, certificate: Certificate) -> tuple[str, str]:
    """What the candidate is told (subject, body) when they are certified."""
    candidate = enrollment.user
    return (
        f"You are certified: {enrollment.framework.name}",
        f"Hello {candidate.name},\n\nCongratulations: you have met every requirement of "
        f"{enrollment.framework.name}. Your certificate number is {certificate.number}, "
        f"valid until {format_date(certificate.expires_on)}.\n\nAnyone can check it on the "
        "certificate page of Portfolio (Check a certificate), with that number. Your "
        "dashboard also has it as a signed Open Badges credential, for a digital wallet.",
    )


def not_certified_message(enrollment: Enrollment, decision: Decision) -> tuple[str, str]:
    """What the candidate is told (subject, body) when the enrollment ends uncertified."""
    candidate = enrollment.user
    dashboard = page_url(DASHBOARD_PATH)
    where = (
        f"Read how each set stood here: {dashboard}"
        if dashboard
        else ("Sign in to Portfolio to read how each set stood.")
    )
    return (
        f"Your enrollment in {enrollment.framework.name} has ended",
        f"Hello {candidate.name},\n\n{decision.summary} {where} You can apply again from "
        "the same page: your answers are filled in from this application, and the sets you "
        "met stay met where the program's rules say so.",
    )


def issue_certificate(
    session: Session, enrollment: Enrollment, today: date, actor: User | None
) -> None:
    """Issue the enrollment's certificate (audited; the candidate is emailed its number after the
    commit), exactly as a certifying decision does; used by an administrator's override."""
    _issue(session, enrollment, today, actor)
