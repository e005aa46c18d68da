"""The evaluation service: decide an enrollment from its sets and issue the certificate.

`evaluate_enrollment` runs whenever a set becomes met (outcomes.settle) or a course is verified,
and `decide_expired` daily for enrollments whose window has ended. A decision is recorded once,
with the domain's reasons, and audited; certifying issues the certificate (a random number,
valid for the program's validity period) and emails the candidate after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.errors import InvalidInput
from portfolio.domain.evaluation import (
    CertificateStatus,
    Decision,
    SetState,
    Verdict,
    certificate_status,
    evaluate,
    expiry,
)
from portfolio.domain.lifecycle import parse_status
from portfolio.models import (
    Certificate,
    CertificationDecision,
    CourseStatus,
    DecisionStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    SetKind,
    User,
)
from portfolio.services import audit, review_emails
from portfolio.services.frameworks import load_rules

# Crockford's base32 without I, L, O and U: nothing to misread when typed from paper.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS, _GROUP = 4, 5  # 20 characters, 100 random bits


def new_number() -> str:
    """A certificate number nobody can guess, e.g. 7K3QD-M0X2A-9PTRE-4HZ6B."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP))
    return "-".join(chars[i : i + _GROUP] for i in range(0, len(chars), _GROUP))


def normalise_number(text: str) -> str | None:
    """The number as stored, from what someone typed (any case, spaces, O for 0); else None."""
    raw = "".join(text.split()).replace("-", "").upper()
    raw = raw.translate(str.maketrans("OIL", "011"))
    if len(raw) != _GROUPS * _GROUP or any(c not in _ALPHABET for c in raw):
        return None
    return "-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP))


def set_states(enrollment: Enrollment) -> list[SetState]:
    return [
        SetState(
            code=item.competency_set.code,
            name=item.competency_set.name,
            required=item.competency_set.kind is SetKind.REQUIRED,
            route=item.route,
            status=parse_status(item.status),
            course_verified=item.course_status is CourseStatus.VERIFIED,
            course_completed=item.course_status in (CourseStatus.COMPLETED, CourseStatus.VERIFIED),
        )
        for item in enrollment.sets
    ]


def standing(enrollment: Enrollment, today: date) -> Decision:
    """Where the enrollment stands now, by the rule (nothing recorded)."""
    rules = load_rules(enrollment.framework)
    return evaluate(
        set_states(enrollment), rules.electives_required, enrollment.window_ends_on, today
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
    recorded = CertificationDecision(
        enrollment_id=enrollment.id,
        status=DecisionStatus.CERTIFIED if certified else DecisionStatus.NOT_CERTIFIED,
        reasons=decision.as_document(),
    )
    session.add(recorded)
    enrollment.status = EnrollmentStatus.CERTIFIED if certified else EnrollmentStatus.CLOSED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="certification.decided",
        object_type="enrollment",
        object_id=enrollment.id,
        details=decision.as_document(),
    )
    if certified:
        _issue(session, enrollment, today, actor)
    else:
        _tell_not_certified(session, enrollment, decision)
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


def _issue(session: Session, enrollment: Enrollment, today: date, actor: User | None) -> None:
    rules = load_rules(enrollment.framework)
    certificate = Certificate(
        number=new_number(),
        enrollment_id=enrollment.id,
        user_id=enrollment.user_id,
        framework_id=enrollment.framework_id,
        issued_on=today,
        expires_on=expiry(today, rules.certificate_validity_years),
    )
    session.add(certificate)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="certificate.issued",
        object_type="certificate",
        object_id=certificate.id,
        details={
            "number": certificate.number,
            "enrollment_id": enrollment.id,
            "issued_on": str(certificate.issued_on),
            "expires_on": str(certificate.expires_on),
        },
    )
    candidate = enrollment.user
    review_emails.queue(
        session,
        to=candidate.email,
        subject=f"You are certified: {enrollment.framework.name}",
        body=(
            f"Hello {candidate.name},\n\nCongratulations: you have met every requirement of "
            f"{enrollment.framework.name}. Your certificate number is {certificate.number}, "
            f"valid until {certificate.expires_on:%d %B %Y}.\n\nAnyone can check it on the "
            "certificate page of Portfolio (Check a certificate), with that number."
        ),
    )


def _tell_not_certified(session: Session, enrollment: Enrollment, decision: Decision) -> None:
    candidate = enrollment.user
    review_emails.queue(
        session,
        to=candidate.email,
        subject=f"Your enrollment in {enrollment.framework.name} has ended",
        body=(
            f"Hello {candidate.name},\n\n{decision.summary} Sign in to Portfolio to read how "
            "each set stood. The program office can tell you how to apply again."
        ),
    )


NUMBER_FORMAT = (
    "Enter the 20 letters and digits printed on the certificate, like 7K3QD-M0X2A-9PTRE-4HZ6B."
)


def certificate_for_number(session: Session, text: str) -> Certificate | None:
    """The certificate whose number `text` is (read as normalise_number reads it), with its
    holder and program loaded; None when no certificate has that number.

    Raises InvalidInput (field "number") when `text` cannot be a certificate number at all.
    """
    number = normalise_number(text)
    if number is None:
        raise InvalidInput(NUMBER_FORMAT, field="number")
    return session.scalar(
        select(Certificate)
        .where(Certificate.number == number)
        .options(joinedload(Certificate.user), joinedload(Certificate.framework))
    )


def status_of(certificate: Certificate, today: date) -> CertificateStatus:
    """Valid, expired or revoked on `today` (domain.evaluation.certificate_status)."""
    revoked_on = certificate.revoked_at.date() if certificate.revoked_at is not None else None
    return certificate_status(certificate.expires_on, revoked_on, certificate.revoked_reason, today)


@dataclass(frozen=True)
class EnrollmentCertification:
    """Where one enrollment stands on certification, as its candidate reads it.

    `state` is "certified" (with the certificate and its status), "not_certified" (the
    recorded decision's summary and reasons) or "open" (today's standing by the rule).
    """

    state: str
    summary: str
    reasons: tuple[str, ...]
    certificate: Certificate | None = None
    status: CertificateStatus | None = None


def certification_of_enrollments(
    session: Session, enrollments: Sequence[Enrollment], today: date
) -> dict[int, EnrollmentCertification]:
    """Enrollment id -> its certification, in two queries however many enrollments there are.

    The enrollments' sets and frameworks must be loaded already (progress.enrollments_query).
    """
    ids = [e.id for e in enrollments]
    if not ids:
        return {}
    decisions = {
        d.enrollment_id: d
        for d in session.scalars(
            select(CertificationDecision).where(CertificationDecision.enrollment_id.in_(ids))
        )
    }
    certificates = {
        c.enrollment_id: c
        for c in session.scalars(select(Certificate).where(Certificate.enrollment_id.in_(ids)))
    }
    return {
        e.id: _certification(e, decisions.get(e.id), certificates.get(e.id), today)
        for e in enrollments
    }


def _certification(
    enrollment: Enrollment,
    decision: CertificationDecision | None,
    certificate: Certificate | None,
    today: date,
) -> EnrollmentCertification:
    if decision is None:
        now = standing(enrollment, today)
        return EnrollmentCertification("open", now.summary, now.reasons)
    summary = str(decision.reasons.get("summary", ""))
    reasons = tuple(str(r) for r in decision.reasons.get("reasons", ()))
    if decision.status is DecisionStatus.NOT_CERTIFIED:
        return EnrollmentCertification("not_certified", summary, reasons)
    status = status_of(certificate, today) if certificate is not None else None
    return EnrollmentCertification("certified", summary, reasons, certificate, status)
