"""The daily renewal job's work (portfolio/jobs/renewal.py): certificates whose grace period
ended unrenewed lapse (their status list bit is set), and holders are reminded at the rules'
months before expiry, on the last valid day and on the last day of grace. Run twice, sent once:
each email has an idempotency key naming the certificate, its expiry and the reminder.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import add_months, format_date
from portfolio.domain.notifications import Kind
from portfolio.domain.programs.rules import ProgramRules
from portfolio.domain.renewal.reminders import GRACE_ENDS, ON_THE_DAY, renewal_reminder_due
from portfolio.domain.renewal.window import RenewalPhase, renewal_window
from portfolio.models import Certificate, Framework, RenewalApplication, RenewalStatus
from portfolio.services import audit
from portfolio.services.certification.issuer import current_issuer
from portfolio.services.certification.status_lists import refresh_status_list
from portfolio.services.links import page_url
from portfolio.services.notifications import notify
from portfolio.services.programs.versions import load_rules


def _standing_certificates(
    session: Session, today: date, *, past_grace: bool
) -> Iterator[tuple[Certificate, ProgramRules]]:
    """Unrevoked, unlapsed certificates whose renewal reminders or grace period concern `today`:
    expiring from the grace period's months ago to the first reminder's months ahead (per
    program: each has its own rules), with their holder and program loaded. `past_grace`:
    instead those whose grace period ended before `today`, however long ago."""
    for framework in session.scalars(
        select(Framework).where(Framework.id.in_(select(Certificate.framework_id).distinct()))
    ):
        rules = load_rules(framework)
        renewal = rules.renewal
        grace_began = add_months(today, -renewal.grace_months_after_expiry)
        if past_grace:
            dates = [Certificate.expires_on < grace_began]
        else:
            ahead = add_months(today, max([0, *renewal.reminder_months_before]))
            dates = [Certificate.expires_on >= grace_began, Certificate.expires_on <= ahead]
        for certificate in session.scalars(
            select(Certificate)
            .where(
                Certificate.framework_id == framework.id,
                Certificate.revoked_at.is_(None),
                Certificate.lapsed_on.is_(None),
                *dates,
            )
            .options(joinedload(Certificate.user), joinedload(Certificate.framework))
            .order_by(Certificate.id)
        ):
            yield certificate, rules


def _applied(session: Session, certificate: Certificate) -> RenewalApplication | None:
    return session.scalar(
        select(RenewalApplication).where(
            RenewalApplication.certificate_id == certificate.id,
            RenewalApplication.cycle_expires_on == certificate.expires_on,
        )
    )


def lapse_unrenewed(session: Session, today: date, now: datetime) -> int:
    """Mark lapsed every certificate whose grace period ended before `today` with no renewal
    application in progress (an application made in time waits for the office instead); sign
    the status list again when any did. The number lapsed now."""
    lapsed = 0
    for certificate, rules in list(_standing_certificates(session, today, past_grace=True)):
        window = renewal_window(certificate.expires_on, rules.renewal)
        if window.phase(today) is not RenewalPhase.LAPSED:
            continue
        applied = _applied(session, certificate)
        if applied is not None and applied.status is not RenewalStatus.APPROVED:
            continue
        certificate.lapsed_on = window.closes_on + timedelta(days=1)
        audit.record(
            session,
            actor=None,
            action=AuditAction.CERTIFICATE_LAPSED,
            object_type="certificate",
            object_id=certificate.id,
            details={
                "number": certificate.number,
                "expired_on": certificate.expires_on.isoformat(),
                "grace_ended_on": window.closes_on.isoformat(),
            },
        )
        holder = certificate.user
        notify(
            session,
            user=holder,
            kind=Kind.DECISION,
            link=f"/me/certificates/{certificate.id}",
            subject=f"Your {certificate.framework.name} certificate has lapsed",
            body=(
                f"Hello {holder.name},\n\nThe grace period for renewing certificate "
                f"{certificate.number} ended on {format_date(window.closes_on)} without a "
                "renewal, so it is no longer valid and its public page says so. The program "
                "office can tell you how to certify again."
            ),
            key=f"renewal.lapsed:{certificate.id}:{certificate.expires_on.isoformat()}",
        )
        lapsed += 1
    session.flush()
    if lapsed:
        refresh_status_list(session, current_issuer(), now)
    return lapsed


def send_renewal_reminders(session: Session, today: date) -> int:
    """Queue the reminder due today for each certificate not yet applied for; the number
    queued now (not before)."""
    sent = 0
    for certificate, rules in _standing_certificates(session, today, past_grace=False):
        window = renewal_window(certificate.expires_on, rules.renewal)
        stage = renewal_reminder_due(window, rules.renewal, today)
        if stage is None or _applied(session, certificate) is not None:
            continue
        sent += _remind(session, certificate, stage, window.closes_on, rules)
    return sent


def _remind(
    session: Session, certificate: Certificate, stage: str, closes_on: date, rules: ProgramRules
) -> int:
    holder, program = certificate.user, certificate.framework.name
    expires = format_date(certificate.expires_on)
    if stage == ON_THE_DAY:
        when = f"expires today, {expires}"
    elif stage == GRACE_ENDS:
        when = f"expired on {expires}, and today is the last day of its grace period"
    else:
        when = f"expires on {expires}, in about {stage.removesuffix('m')} months"
    renewal = rules.renewal
    where = page_url(f"/me/certificates/{certificate.id}/renewal") or "sign in to Portfolio"
    queued = notify(
        session,
        user=holder,
        kind=Kind.DEADLINE_REMINDER,
        link=f"/me/certificates/{certificate.id}/renewal",
        subject=f"Renew your {program} certificate",
        body=(
            f"Hello {holder.name},\n\nYour {program} certificate {certificate.number} {when}. "
            f"To renew it, record {renewal.ce_hours} contact hours of continuing education "
            f"(at least {renewal.ce_technology_hours} on technology) and apply by "
            f"{format_date(closes_on)}.\n\nYour log and the renewal application: {where}"
        ),
        key=f"renewal.reminder:{certificate.id}:{certificate.expires_on.isoformat()}:{stage}",
    )
    return 1 if queued else 0
