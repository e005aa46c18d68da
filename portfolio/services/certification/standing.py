"""Where each of a candidate's enrollments stands on certification, for their dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.certification.evaluation import CertificateStatus
from portfolio.models import (
    Certificate,
    CertificationDecision,
    DecisionStatus,
    Enrollment,
    IssuedCredential,
)
from portfolio.services.certification.evaluation import standing
from portfolio.services.certification.numbers import status_of


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
    credential_id: str | None = None  # the public id of its newest Open Badges credential


def certification_of_enrollments(
    session: Session, enrollments: Sequence[Enrollment], today: date
) -> dict[int, EnrollmentCertification]:
    """Enrollment id -> its certification, in three queries however many enrollments there are.

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
    credentials = _newest_credentials(session, [c.id for c in certificates.values()])
    return {
        e.id: _certification(e, decisions.get(e.id), certificates.get(e.id), today, credentials)
        for e in enrollments
    }


def _newest_credentials(session: Session, certificate_ids: list[int]) -> dict[int, str]:
    """Certificate id -> the public id of its newest credential."""
    if not certificate_ids:
        return {}
    rows = session.execute(
        select(IssuedCredential.certificate_id, IssuedCredential.public_id)
        .where(IssuedCredential.certificate_id.in_(certificate_ids))
        .order_by(IssuedCredential.issued_at, IssuedCredential.id)
    )
    return {int(row[0]): str(row[1]) for row in rows}


def _certification(
    enrollment: Enrollment,
    decision: CertificationDecision | None,
    certificate: Certificate | None,
    today: date,
    credentials: dict[int, str],
) -> EnrollmentCertification:
    if decision is None:
        now = standing(enrollment, today, name_evidence=False)  # many at once: no N+1
        return EnrollmentCertification("open", now.summary, now.reasons)
    summary = str(decision.reasons.get("summary", ""))
    reasons = tuple(str(r) for r in decision.reasons.get("reasons", ()))
    if decision.override_reason:
        # The recorded reasons are the rule's; the office's decision replaced its verdict.
        summary = f"The program office changed the decision: {decision.override_reason}"
    if decision.status is DecisionStatus.NOT_CERTIFIED:
        return EnrollmentCertification("not_certified", summary, reasons)
    if certificate is None:
        return EnrollmentCertification("certified", summary, reasons)
    return EnrollmentCertification(
        "certified",
        summary,
        reasons,
        certificate,
        status_of(certificate, today),
        credentials.get(certificate.id),
    )
