"""Certificates for the program office: the latest issued, one with the decision behind it,
revoking one issued in error and reinstating a revoked one (each with a written reason,
audited, and the credential status list signed again).

Whether a certificate is valid, expired or revoked is
domain.certification.evaluation.certificate_status, the same words its public page uses.
Everything here flushes; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.certification.evaluation import CertificateStatus, certificate_status
from portfolio.domain.certification.revocation import public_statement as checked_statement
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, NotFound
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.domain.reasons import written_reason
from portfolio.models import Certificate, CertificationDecision, Framework, User
from portfolio.services import audit
from portfolio.services.certification.issuer import current_issuer
from portfolio.services.certification.numbers import status_of
from portfolio.services.certification.status_lists import refresh_status_list
from portfolio.services.listing import ListQuery, fetch_page


@dataclass(frozen=True, slots=True)
class CertificateRow:
    """One line of the certificates list."""

    id: int
    number: str
    holder_name: str
    program: str
    issued_on: date
    expires_on: date
    status: CertificateStatus
    holder_id: int = 0


@dataclass(frozen=True)
class CertificateFile:
    """One certificate with its holder and program loaded, its status and its decision."""

    certificate: Certificate
    status: CertificateStatus
    decision: CertificationDecision | None

    @property
    def reasons(self) -> list[str]:
        """The decision's one line per set (and electives, window), as recorded."""
        if self.decision is None:
            return []
        return [str(line) for line in self.decision.reasons.get("reasons", [])]

    @property
    def summary(self) -> str:
        return str(self.decision.reasons.get("summary", "")) if self.decision else ""


CERTIFICATE_LIST = ListSpec(
    sorts=(
        Choice("issued", "Date issued"),
        Choice("expires", "Valid until"),
        Choice("holder", "Holder's name"),
    ),
    filters=(
        ListFilter(
            "status",
            "Status",
            (Choice("valid", "Valid"), Choice("expired", "Expired"), Choice("revoked", "Revoked")),
        ),
    ),
    search_label="Search by holder, email or certificate number",
)


def certificates_query(request: ListRequest, today: date) -> ListQuery[CertificateRow]:
    """One page of certificates, searched, filtered by status on `today`, sorted (two queries)."""
    listed = (
        select(
            Certificate.id,
            Certificate.number,
            User.name,
            Framework.name,
            Certificate.issued_on,
            Certificate.expires_on,
            Certificate.revoked_at,
            Certificate.revoked_reason,
            Certificate.user_id,
        )
        .join(User, User.id == Certificate.user_id)
        .join(Framework, Framework.id == Certificate.framework_id)
    )
    if request.search:
        listed = listed.where(
            or_(
                User.name.icontains(request.search, autoescape=True),
                User.email.icontains(request.search, autoescape=True),
                Certificate.number.icontains(request.search, autoescape=True),
            )
        )
    status = request.filters.get("status")
    if status == "revoked":
        listed = listed.where(Certificate.revoked_at.is_not(None))
    elif status == "expired":  # as certificate_status: revoked outranks expired
        listed = listed.where(Certificate.revoked_at.is_(None), Certificate.expires_on < today)
    elif status == "valid":
        listed = listed.where(Certificate.revoked_at.is_(None), Certificate.expires_on >= today)
    return ListQuery(
        listed,
        {
            "issued": Certificate.issued_on,
            "expires": Certificate.expires_on,
            "holder": User.name,
        },
        Certificate.id,
        lambda rows: [
            CertificateRow(
                id=row_id,
                number=number,
                holder_name=holder,
                program=program,
                issued_on=issued_on,
                expires_on=expires_on,
                status=certificate_status(
                    expires_on, revoked_at.date() if revoked_at else None, reason, today
                ),
                holder_id=holder_id,
            )
            for (
                row_id,
                number,
                holder,
                program,
                issued_on,
                expires_on,
                revoked_at,
                reason,
                holder_id,
            ) in rows
        ],
    )


def list_certificates(
    session: Session, request: ListRequest, today: date
) -> ListPage[CertificateRow]:
    return fetch_page(session, certificates_query(request, today), request)


def certificate_file(session: Session, certificate_id: int, today: date) -> CertificateFile:
    """The certificate with its holder, program and decision; NotFound for an unknown id."""
    certificate = session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(joinedload(Certificate.user), joinedload(Certificate.framework))
    )
    if certificate is None:
        raise NotFound("We could not find that certificate.")
    decision = session.scalar(
        select(CertificationDecision).where(
            CertificationDecision.enrollment_id == certificate.enrollment_id
        )
    )
    return CertificateFile(certificate, status_of(certificate, today), decision)


def revoke_certificate(
    session: Session,
    certificate: Certificate,
    *,
    actor: User,
    reason: str,
    now: datetime,
    public_statement: str = "",
) -> None:
    """Revoke the certificate from `now` with a written reason and an optional public statement
    (both audited); its public page then says it is revoked, in the statement's words or the
    standard wording, never the reason's. Conflict when it is revoked already (also by a request
    at the same instant); InvalidInput (field "reason" or "public_statement") for a missing or
    long reason or a statement out of bounds.
    """
    if certificate.revoked_at is not None:
        raise _already_revoked(certificate.revoked_at)
    reason = written_reason(reason)
    statement = checked_statement(public_statement)
    # Only the first of two revocations at the same instant finds the certificate unrevoked.
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason, revoked_public_statement=statement)
            .execution_options(synchronize_session=False)
        ),
    )
    session.refresh(certificate, ["revoked_at", "revoked_reason", "revoked_public_statement"])
    if result.rowcount != 1:
        raise _already_revoked(certificate.revoked_at or now)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.CERTIFICATE_REVOKED,
        object_type="certificate",
        object_id=certificate.id,
        details={
            "number": certificate.number,
            "enrollment_id": certificate.enrollment_id,
            "reason": reason,
            "public_statement": statement,
        },
    )
    # The credential's status list says so from this commit on.
    refresh_status_list(session, current_issuer(), now)


def reinstate_certificate(
    session: Session, certificate: Certificate, *, actor: User, reason: str, now: datetime
) -> None:
    """Make a revoked certificate valid again (an override back to certified): same number and
    dates, the revocation cleared, audited with the revocation it undoes; its credential's bit
    in the status list is cleared. Conflict when it is not revoked (also by a request at the
    same instant)."""
    revoked_at, revoked_reason = certificate.revoked_at, certificate.revoked_reason
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id, Certificate.revoked_at.is_not(None))
            .values(revoked_at=None, revoked_reason="", revoked_public_statement="")
            .execution_options(synchronize_session=False)
        ),
    )
    session.refresh(certificate, ["revoked_at", "revoked_reason", "revoked_public_statement"])
    if result.rowcount != 1 or revoked_at is None:
        raise Conflict("This certificate is not revoked.")
    audit.record(
        session,
        actor=actor,
        action=AuditAction.CERTIFICATE_REINSTATED,
        object_type="certificate",
        object_id=certificate.id,
        details={
            "number": certificate.number,
            "enrollment_id": certificate.enrollment_id,
            "reason": reason,
            "revoked_at": revoked_at.isoformat(),
            "revoked_reason": revoked_reason,
        },
    )
    refresh_status_list(session, current_issuer(), now)


def _already_revoked(revoked_at: datetime) -> Conflict:
    return Conflict(f"This certificate was already revoked on {format_date(revoked_at.date())}.")
