"""A holder's own certificate: its page, its PDF and its "add to profile" link.

Loads one certificate with everything those print (holder, program, the enrollment's sets)
in one query; the web layer checks that it is the signed-in person's before showing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.certification.evaluation import CertificateStatus
from portfolio.domain.certification.printing import PrintedCertificate, SetMet, sets_met
from portfolio.domain.certification.sharing import ProfileCertification
from portfolio.domain.errors import NotFound
from portfolio.models import Certificate, Enrollment, EnrollmentSet
from portfolio.services.certification.numbers import status_of
from portfolio.services.certification.set_states import set_states


@dataclass(frozen=True)
class HolderCertificate:
    """One certificate as its holder sees it: status today and the sets it certifies."""

    certificate: Certificate
    status: CertificateStatus
    sets: tuple[SetMet, ...]

    def printed(self, *, issuer: str, verify_url: str) -> PrintedCertificate:
        c = self.certificate
        return PrintedCertificate(
            holder=c.user.name,
            program=c.framework.name,
            issuer=issuer,
            number=c.number,
            issued_on=c.issued_on,
            expires_on=c.expires_on,
            sets=self.sets,
            verify_url=verify_url,
        )

    def on_profile(
        self, *, issuer: str, verify_url: str, organization_id: str = ""
    ) -> ProfileCertification:
        c = self.certificate
        return ProfileCertification(
            name=c.framework.name,
            organization=issuer,
            issued_on=c.issued_on,
            expires_on=c.expires_on,
            number=c.number,
            url=verify_url,
            organization_id=organization_id,
        )


def holder_certificate(session: Session, certificate_id: int, today: date) -> HolderCertificate:
    """The certificate with its holder, program and sets; NotFound for an unknown id.

    Whose it is is the caller's to check (certificate.user_id).
    """
    certificate = session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(
            joinedload(Certificate.user),
            joinedload(Certificate.framework),
            joinedload(Certificate.enrollment)
            .selectinload(Enrollment.sets)
            .joinedload(EnrollmentSet.competency_set),
        )
    )
    if certificate is None:
        raise NotFound("We could not find that certificate.")
    states = set_states(certificate.enrollment)
    return HolderCertificate(certificate, status_of(certificate, today), sets_met(states))
