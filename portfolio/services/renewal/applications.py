"""Applying to renew: from the rules' months before expiry to the end of the grace period, with
enough contact hours logged. One application per certificate and expiry date (a unique key),
holding the activities it was made with. Flushes; the request commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.notifications import Kind
from portfolio.domain.renewal.window import renewal_window, require_open
from portfolio.models import Certificate, RenewalApplication, User
from portfolio.services import audit
from portfolio.services.notifications import notify
from portfolio.services.renewal.log import (
    current_renewal,
    logged,
    renewal_rules,
    require_can_log,
    totals_of,
    unapplied_activities,
)


def apply_for_renewal(
    session: Session, holder: User, certificate: Certificate, *, today: date, now: datetime
) -> RenewalApplication:
    """Apply with every activity logged and not yet applied with (audited; the holder gets an
    acknowledgement after the commit).

    Conflict outside the window, for a revoked or lapsed certificate, or when an application
    for this expiry exists; InvalidInput (422) when the hours fall short of the rules."""
    # One application at a time per certificate: the second waits here, then finds the first.
    session.execute(
        select(Certificate.id).where(Certificate.id == certificate.id).with_for_update()
    ).all()
    session.refresh(certificate, ["expires_on", "revoked_at", "lapsed_on"])
    require_can_log(certificate, today)
    rules = renewal_rules(certificate)
    require_open(renewal_window(certificate.expires_on, rules), today)
    existing = current_renewal(session, certificate)
    if existing is not None:
        raise Conflict(
            f"You applied to renew this certificate on {format_date(existing.submitted_at)}; "
            f"the application is {existing.status.label}."
        )
    activities = unapplied_activities(session, certificate)
    totals = totals_of(logged(activities, rules), rules)
    if not totals.enough:
        raise InvalidInput(f"Not enough yet: {totals.message}", field="activities")
    renewal = RenewalApplication(
        certificate_id=certificate.id,
        user_id=holder.id,
        cycle_expires_on=certificate.expires_on,
        fee_cents=rules.fee_cents,
        submitted_at=now,
    )
    try:
        with session.begin_nested():
            session.add(renewal)
            session.flush()
    except IntegrityError:
        raise Conflict("You have already applied to renew this certificate.") from None
    for activity in activities:
        activity.renewal_id = renewal.id
    session.flush()
    audit.record(
        session,
        actor=holder,
        action=AuditAction.RENEWAL_SUBMITTED,
        object_type="renewal",
        object_id=renewal.id,
        details={
            "certificate": certificate.number,
            "expires_on": certificate.expires_on.isoformat(),
            "activities": [a.id for a in activities],
            "hours": totals.hours_text,
            "technology_hours": totals.technology_text,
        },
    )
    notify(
        session,
        user=holder,
        kind=Kind.DECISION,
        link=f"/me/certificates/{certificate.id}/renewal",
        subject=f"Your renewal application: {certificate.framework.name}",
        body=(
            f"Hello {holder.name},\n\nWe have your application to renew certificate "
            f"{certificate.number}, with {totals.hours_text} contact hours of continuing "
            "education. The program office reviews each activity and writes to you if it "
            "needs proof of one."
        ),
        key=f"renewal.submitted:{renewal.id}",
    )
    return renewal
