"""Certification decisions and certificates: the holder's own; administrators read everyone's
(as the admin decision and certificate lists do)."""

from __future__ import annotations

from flask import request

from portfolio.domain.accounts.api_tokens import Scope
from portfolio.extensions import db
from portfolio.models import Certificate, CertificationDecision
from portfolio.services.certification import visible
from portfolio.web import access
from portfolio.web.api import bp, pages
from portfolio.web.api.auth import requires, token_owner
from portfolio.web.api.schemas import (
    CertificateOut,
    CertificatePage,
    CertificatesQuery,
    DecisionOut,
    DecisionPage,
    DecisionsQuery,
)
from portfolio.web.api.spec import answers, api_spec


@bp.get("/decisions")
@api_spec.validate(query=DecisionsQuery, resp=answers(DecisionPage), tags=["certification"])
@requires(Scope.READ_CERTIFICATION)
def decisions() -> DecisionPage:
    """Certification decisions: yours, or everyone's for an administrator.
    Scope: read:certification."""
    asked = request.context.query  # type: ignore[attr-defined]
    query = visible.decisions(
        db.session, token_owner(), everyone=access.is_admin(), status=asked.status
    )
    page = pages.fetch("decisions", query, asked, {"status": asked.status or ""})
    return DecisionPage(items=[_decision(d) for d in page.rows], next_cursor=page.next_cursor)


@bp.get("/certificates")
@api_spec.validate(query=CertificatesQuery, resp=answers(CertificatePage), tags=["certification"])
@requires(Scope.READ_CERTIFICATION)
def certificates() -> CertificatePage:
    """Certificates: yours, or everyone's for an administrator. Scope: read:certification."""
    asked = request.context.query  # type: ignore[attr-defined]
    query = visible.certificates(db.session, token_owner(), everyone=access.is_admin())
    page = pages.fetch("certificates", query, asked, {})
    return CertificatePage(items=[_certificate(c) for c in page.rows], next_cursor=page.next_cursor)


@bp.get("/certificates/<int:certificate_id>")
@api_spec.validate(resp=answers(CertificateOut), tags=["certification"])
@requires(Scope.READ_CERTIFICATION)
def certificate(certificate_id: int) -> CertificateOut:
    """One certificate (404 unless it is yours, or you administer). Scope: read:certification."""
    found = visible.find_certificate(
        db.session, token_owner(), certificate_id, everyone=access.is_admin()
    )
    access.require_found(found)
    assert found is not None
    return _certificate(found)


def _decision(found: CertificationDecision) -> DecisionOut:
    return DecisionOut(
        id=found.id,
        enrollment_id=found.enrollment_id,
        status=str(found.status),
        decided_at=found.decided_at,
        overridden=found.overridden_by_id is not None,
    )


def _certificate(found: Certificate) -> CertificateOut:
    return CertificateOut(
        id=found.id,
        number=found.number,
        holder=found.user.name,
        program=found.framework.slug,
        issued_on=found.issued_on,
        expires_on=found.expires_on,
        revoked=found.revoked_at is not None,
    )
