"""The program office's review of a renewal application: accept each activity or ask for its
proof with a written reason, record the renewal fee when the rules charge one, and approve.

Approving extends the certificate by the program's validity period from its OLD expiry date,
signs a new credential for it, and records the decision with its reasons in the audit trail.
Two approvals at once extend it once: the application's row is locked (PostgreSQL) and
versioned (every database), and the certificate must still have the expiry applied for.
Everything here flushes; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.ids import is_row_id
from portfolio.domain.notifications import Kind
from portfolio.domain.reasons import written_reason
from portfolio.domain.renewal.totals import CeTotals
from portfolio.domain.renewal.window import RenewalWindow, extended_expiry, renewal_window
from portfolio.models import (
    ActivityReview,
    CeActivity,
    Certificate,
    LedgerKind,
    Payment,
    RenewalApplication,
    RenewalStatus,
    User,
)
from portfolio.services import audit
from portfolio.services.certification.issuer import current_issuer
from portfolio.services.certification.open_badges import issue_credential
from portfolio.services.links import page_url
from portfolio.services.notifications import notify
from portfolio.services.programs.versions import load_rules
from portfolio.services.renewal.log import LoggedActivity, logged, totals_of


@dataclass(frozen=True)
class RenewalFile:
    """One application as the office reviews it."""

    renewal: RenewalApplication
    rows: list[LoggedActivity]
    totals: CeTotals  # of the activities accepted so far
    applied_totals: CeTotals  # of every activity applied with
    window: RenewalWindow
    fee_paid_cents: int
    blockers: list[str]  # why it cannot be approved yet; empty: it can

    @property
    def fee_due_cents(self) -> int:
        return max(0, self.renewal.fee_cents - self.fee_paid_cents)


def renewal_file(session: Session, renewal_id: object) -> RenewalFile:
    renewal = (
        session.scalar(
            select(RenewalApplication)
            .where(RenewalApplication.id == renewal_id)
            .options(
                joinedload(RenewalApplication.certificate).joinedload(Certificate.framework),
                joinedload(RenewalApplication.user),
                selectinload(RenewalApplication.activities).joinedload(CeActivity.proof),
            )
        )
        if is_row_id(renewal_id)
        else None
    )
    if renewal is None:
        raise NotFound("We could not find that renewal application.")
    rules = load_rules(renewal.certificate.framework).renewal
    rows = logged(renewal.activities, rules)
    accepted = [row for row in rows if row.activity.review is ActivityReview.ACCEPTED]
    totals = totals_of(accepted, rules)
    paid = _fee_paid(session, renewal)
    blockers = []
    if renewal.status is RenewalStatus.APPROVED:
        blockers.append("It is approved already.")
    waiting = [row for row in rows if row.activity.review is not ActivityReview.ACCEPTED]
    if waiting:
        blockers.append(f"{len(waiting)} of {len(rows)} activities are not accepted yet.")
    elif not totals.enough:
        blockers.append(f"The accepted activities are not enough: {totals.message}")
    if paid < renewal.fee_cents:
        blockers.append(f"The renewal fee of {money(renewal.fee_cents)} is not paid yet.")
    return RenewalFile(
        renewal=renewal,
        rows=rows,
        totals=totals,
        applied_totals=totals_of(rows, rules),
        window=renewal_window(renewal.cycle_expires_on, rules),
        fee_paid_cents=paid,
        blockers=blockers,
    )


def money(cents: int) -> str:
    """E.g. "$25.00" (the fee ledger is in whole cents)."""
    return f"${cents // 100:,}.{cents % 100:02d}"


def _fee_paid(session: Session, renewal: RenewalApplication) -> int:
    rows = session.execute(
        select(Payment.kind, func.coalesce(func.sum(Payment.amount_cents), 0))
        .where(Payment.renewal_id == renewal.id)
        .group_by(Payment.kind)
    ).all()
    sums = {kind: int(total) for kind, total in rows}
    return (
        sums.get(LedgerKind.PAYMENT, 0)
        + sums.get(LedgerKind.WAIVER, 0)
        - sums.get(LedgerKind.REFUND, 0)
    )


def _activity_of(renewal: RenewalApplication, activity_id: object) -> CeActivity:
    activity = next((a for a in renewal.activities if a.id == activity_id), None)
    if activity is None:
        raise NotFound("That activity is not part of this renewal application.")
    if renewal.status is RenewalStatus.APPROVED:
        raise Conflict("This renewal is approved already; its activities stay as reviewed.")
    return activity


def accept_activity(
    session: Session,
    renewal: RenewalApplication,
    activity_id: object,
    *,
    actor: User,
    now: datetime,
) -> CeActivity:
    activity = _activity_of(renewal, activity_id)
    activity.review = ActivityReview.ACCEPTED
    activity.review_reason = ""
    activity.reviewed_by_id = actor.id
    activity.reviewed_at = now
    if not any(a.review is ActivityReview.PROOF_REQUESTED for a in renewal.activities):
        renewal.status = RenewalStatus.SUBMITTED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.RENEWAL_ACTIVITY_ACCEPTED,
        object_type="renewal",
        object_id=renewal.id,
        details={"activity": activity.id, "title": activity.title},
    )
    return activity


def request_proof(
    session: Session,
    renewal: RenewalApplication,
    activity_id: object,
    *,
    actor: User,
    reason: str,
    now: datetime,
) -> CeActivity:
    """Ask the holder for proof of one activity, saying why (domain.reasons); they are emailed
    after the commit. InvalidInput on "reason"."""
    activity = _activity_of(renewal, activity_id)
    text = written_reason(reason)
    activity.review = ActivityReview.PROOF_REQUESTED
    activity.review_reason = text
    activity.reviewed_by_id = actor.id
    activity.reviewed_at = now
    renewal.status = RenewalStatus.PROOF_REQUESTED
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.RENEWAL_PROOF_REQUESTED,
        object_type="renewal",
        object_id=renewal.id,
        details={"activity": activity.id, "title": activity.title, "reason": text},
    )
    holder = renewal.user
    where = page_url(f"/me/certificates/{renewal.certificate_id}/renewal") or "sign in to Portfolio"
    notify(
        session,
        user=holder,
        kind=Kind.DECISION,
        link=f"/me/certificates/{renewal.certificate_id}/renewal",
        subject="The program office asks for proof of an activity",
        body=(
            f"Hello {holder.name},\n\nBefore approving your renewal, the program office asks for "
            f"proof of “{activity.title}” ({format_date(activity.done_on)}):\n\n{text}\n\n"
            f"Upload it here: {where}"
        ),
        key=f"renewal.proof_requested:{activity.id}:{now.isoformat()}",
    )
    return activity


def record_fee(
    session: Session,
    renewal: RenewalApplication,
    *,
    actor: User,
    method: str,
    reference: str,
    received_on: date,
) -> Payment:
    """Record the renewal fee still due as paid (on the application's ledger, marked as this
    renewal's). Conflict when nothing is due."""
    due = renewal.fee_cents - _fee_paid(session, renewal)
    if due <= 0:
        raise Conflict("Nothing is due for this renewal.")
    method = " ".join(method.split())[:40]
    if not method:
        raise InvalidInput("Say how it was paid, e.g. check.", field="method")
    payment = Payment(
        application_id=renewal.certificate.enrollment.application_id,
        renewal_id=renewal.id,
        kind=LedgerKind.PAYMENT,
        amount_cents=due,
        method=method,
        reference=" ".join(reference.split())[:100],
        received_on=received_on,
        recorded_by_id=actor.id,
        note="renewal fee",
    )
    session.add(payment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.RENEWAL_FEE_RECORDED,
        object_type="renewal",
        object_id=renewal.id,
        details={"payment": payment.id, "amount_cents": due},
    )
    return payment


def approve(
    session: Session,
    renewal_id: object,
    *,
    actor: User,
    version: object,
    note: str,
    now: datetime,
) -> RenewalApplication:
    """Approve: the certificate's expiry moves by the validity period from the expiry applied
    for, a new credential is signed, and the decision is audited with its reasons.

    Conflict when it was approved meanwhile (or changed since `version` was read), the
    certificate's expiry moved or it was revoked, or something still blocks approval."""
    if not is_row_id(renewal_id):
        raise NotFound("We could not find that renewal application.")
    # The lock first: a second approval waits here and then reads the first one's commit.
    locked = session.scalar(
        select(RenewalApplication.id).where(RenewalApplication.id == renewal_id).with_for_update()
    )
    if locked is None:
        raise NotFound("We could not find that renewal application.")
    session.expire_all()
    file = renewal_file(session, renewal_id)
    renewal = file.renewal
    if renewal.status is RenewalStatus.APPROVED:
        raise Conflict(
            f"This renewal was approved on {format_date(renewal.decided_at or now)}; the "
            f"certificate runs until {format_date(renewal.new_expires_on or now)}."
        )
    if str(version) != str(renewal.version):
        raise Conflict("The application changed since you opened it; look at it again.")
    if file.blockers:
        raise Conflict(" ".join(file.blockers))
    note_text = " ".join(note.split())[:2000]
    certificate = session.scalar(
        select(Certificate).where(Certificate.id == renewal.certificate_id).with_for_update()
    )
    assert certificate is not None  # a foreign key
    if certificate.revoked_at is not None:
        raise Conflict("The certificate is revoked; reinstate it before renewing it.")
    if certificate.expires_on != renewal.cycle_expires_on:
        raise Conflict("The certificate's expiry date changed since this application was made.")
    rules = load_rules(certificate.framework)
    old = certificate.expires_on
    new = extended_expiry(old, rules.certificate_validity_years)
    reasons = {
        "rule": (
            f"{rules.renewal.ce_hours} contact hours, at least "
            f"{rules.renewal.ce_technology_hours} on technology; validity "
            f"{rules.certificate_validity_years} years from the old expiry date"
        ),
        "hours": file.totals.hours_text,
        "technology_hours": file.totals.technology_text,
        "activities": [row.activity.id for row in file.rows],
        "old_expires_on": old.isoformat(),
        "new_expires_on": new.isoformat(),
        "note": note_text,
    }
    certificate.expires_on = new
    renewal.status = RenewalStatus.APPROVED
    renewal.decided_at = now
    renewal.decided_by_id = actor.id
    renewal.new_expires_on = new
    renewal.decision_reasons = reasons
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("Someone else decided this renewal at the same time.") from None
    issue_credential(session, certificate, current_issuer(), now)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.RENEWAL_APPROVED,
        object_type="renewal",
        object_id=renewal.id,
        details={"certificate": certificate.number, **reasons},
    )
    holder = renewal.user
    notify(
        session,
        user=holder,
        kind=Kind.DECISION,
        link=f"/me/certificates/{certificate.id}/renewal",
        subject=f"Your certificate is renewed until {format_date(new)}",
        body=(
            f"Hello {holder.name},\n\nThe program office approved your renewal: certificate "
            f"{certificate.number} is now valid until {format_date(new)}. Its new credential "
            "is ready on your certificate page."
        ),
        key=f"renewal.approved:{renewal.id}",
    )
    return renewal
