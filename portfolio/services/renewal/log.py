"""A holder's continuing-education log: activities recorded against one certificate, with an
optional proof (a verified upload of theirs), and the contact hours they add up to.

Activities not yet part of a renewal application can be removed; once applied with, they are
fixed (submitted evidence never changes) except for the proof the office asks for. Everything
here flushes; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.ids import is_row_id
from portfolio.domain.programs.rules import RenewalRules
from portfolio.domain.renewal.activities import (
    amount_from_hundredths,
    check_activity,
    contact_hours,
    format_amount,
    format_number,
    parse_amount,
    parse_date,
)
from portfolio.domain.renewal.totals import CeHours, CeTotals, ce_totals
from portfolio.models import (
    ActivityReview,
    CeActivity,
    Certificate,
    RenewalApplication,
    RenewalStatus,
    Upload,
    UploadStatus,
    User,
)
from portfolio.services import audit
from portfolio.services.certification.numbers import status_of
from portfolio.services.programs.versions import load_rules
from portfolio.services.uploads.access import own_attachable_upload

NOT_YOURS = "We could not find that certificate among yours."


@dataclass(frozen=True)
class LoggedActivity:
    """An activity as the log shows it: its amount in its own unit and in contact hours."""

    activity: CeActivity
    amount_text: str
    hours: Fraction

    @property
    def hours_text(self) -> str:
        return format_number(self.hours)


def renewal_rules(certificate: Certificate) -> RenewalRules:
    return load_rules(certificate.framework).renewal


def own_certificate(session: Session, holder: User, certificate_id: object) -> Certificate:
    """The holder's certificate with its program; NotFound for anyone else's (the same answer)."""
    certificate = (
        session.scalar(
            select(Certificate)
            .where(Certificate.id == certificate_id)
            .options(joinedload(Certificate.framework), joinedload(Certificate.user))
        )
        if is_row_id(certificate_id)
        else None
    )
    if certificate is None or certificate.user_id != holder.id:
        raise NotFound(NOT_YOURS)
    return certificate


def own_activity(session: Session, holder: User, activity_id: object) -> CeActivity:
    activity = session.get(CeActivity, activity_id) if is_row_id(activity_id) else None
    if activity is None or activity.user_id != holder.id:
        raise NotFound("We could not find that activity in your log.")
    return activity


def unapplied_activities(session: Session, certificate: Certificate) -> list[CeActivity]:
    """The activities not yet part of any renewal application, oldest first."""
    return list(
        session.scalars(
            select(CeActivity)
            .where(CeActivity.certificate_id == certificate.id, CeActivity.renewal_id.is_(None))
            .options(joinedload(CeActivity.proof))
            .order_by(CeActivity.done_on, CeActivity.id)
        )
    )


def logged(activities: Iterable[CeActivity], rules: RenewalRules) -> list[LoggedActivity]:
    """Each activity with its amount and hours (0 for a unit the rules no longer know)."""
    rows = []
    for activity in activities:
        unit = rules.unit(activity.unit)
        amount = amount_from_hundredths(activity.amount_hundredths)
        if unit is None:
            rows.append(
                LoggedActivity(activity, f"{format_number(amount)} {activity.unit}", Fraction(0))
            )
        else:
            rows.append(
                LoggedActivity(activity, format_amount(unit, amount), contact_hours(unit, amount))
            )
    return rows


def totals_of(rows: Iterable[LoggedActivity], rules: RenewalRules) -> CeTotals:
    return ce_totals((CeHours(row.hours, row.activity.on_technology) for row in rows), rules)


def require_can_log(certificate: Certificate, today: date) -> None:
    """Conflict for a revoked certificate or one whose renewal grace period is over."""
    status = status_of(certificate, today)
    if status.revoked:
        raise Conflict("This certificate is revoked, so it cannot be renewed.")
    if certificate.lapsed_on is not None:
        raise Conflict(
            "This certificate's renewal grace period is over, so activities no longer count "
            "toward renewing it."
        )


def add_activity(
    session: Session,
    certificate: Certificate,
    fields: Mapping[str, object],
    *,
    today: date,
) -> CeActivity:
    """Record one activity (fields: title, provider, done_on, unit, amount, on_technology,
    proof_upload_id). InvalidInput listing every bad field; NotFound for a proof upload that is
    not the holder's; Conflict when the certificate can no longer be renewed."""
    require_can_log(certificate, today)
    rules = renewal_rules(certificate)
    starts_on = period_starts_on(session, certificate)
    checked = check_activity(
        title=fields.get("title"),
        provider=fields.get("provider"),
        done_on=fields.get("done_on"),
        unit_key=fields.get("unit"),
        amount=fields.get("amount"),
        on_technology=bool(fields.get("on_technology")),
        rules=rules,
        starts_on=starts_on,
        today=today,
    )
    proof_id = fields.get("proof_upload_id")
    proof = _own_verified_upload(session, certificate.user_id, proof_id) if proof_id else None
    activity = CeActivity(
        certificate_id=certificate.id,
        user_id=certificate.user_id,
        title=checked.title,
        provider=checked.provider,
        done_on=checked.done_on,
        unit=checked.unit.key,
        amount_hundredths=checked.amount_hundredths,
        on_technology=checked.on_technology,
        proof=proof,
    )
    session.add(activity)
    session.flush()
    return activity


def remove_activity(session: Session, activity: CeActivity) -> None:
    if activity.renewal_id is not None:
        raise Conflict(
            "This activity is part of your renewal application, so it stays as you sent it."
        )
    session.delete(activity)
    session.flush()


def add_proof(
    session: Session, activity: CeActivity, upload_id: object, *, actor: User, now: datetime
) -> None:
    """Attach a verified upload of the holder's as the activity's proof.

    Before applying, any time; once applied with, only when the office asked for proof: the
    activity then waits for the office again (and the application too, when no other proof is
    still asked for). Conflict otherwise; NotFound for someone else's upload."""
    renewal = activity.renewal
    asked = activity.review is ActivityReview.PROOF_REQUESTED
    if renewal is not None and (renewal.status is RenewalStatus.APPROVED or not asked):
        raise Conflict(
            "This activity is part of your renewal application and the office has not asked "
            "for its proof, so it stays as you sent it."
        )
    activity.proof = _own_verified_upload(session, activity.user_id, upload_id)
    if renewal is not None:
        activity.review = ActivityReview.PENDING
        activity.reviewed_at = now
        if not any(a.review is ActivityReview.PROOF_REQUESTED for a in renewal.activities):
            renewal.status = RenewalStatus.SUBMITTED
        session.flush()
        audit.record(
            session,
            actor=actor,
            action=AuditAction.RENEWAL_PROOF_ADDED,
            object_type="renewal",
            object_id=renewal.id,
            details={"activity": activity.id, "upload": activity.proof_upload_id},
        )
    session.flush()


def _own_verified_upload(session: Session, owner_id: int, upload_id: object) -> Upload:
    if isinstance(upload_id, str) and upload_id.isdigit() and len(upload_id) < 12:
        upload_id = int(upload_id)
    upload = own_attachable_upload(session, upload_id, owner_id)
    if upload is None:
        raise NotFound("We could not find that file among your uploads.")
    if upload.status is not UploadStatus.VERIFIED:
        raise InvalidInput(
            "That file has not been checked yet; wait until it says it was checked.",
            field="proof_upload_id",
        )
    return upload


def typed_totals(
    rows: list[LoggedActivity],
    typed: Mapping[str, object],
    rules: RenewalRules,
    *,
    starts_on: date,
    today: date,
) -> tuple[CeTotals, str]:
    """The totals with the activity being typed added, if its unit and amount already make
    sense and its date (once typed) is one saving would accept, and what that activity is worth
    (or why it does not count yet)."""
    unit_key = typed.get("unit")
    unit = rules.unit(unit_key) if isinstance(unit_key, str) else None
    items = [CeHours(row.hours, row.activity.on_technology) for row in rows]
    note = ""
    if unit is not None and typed.get("amount"):
        try:
            amount = parse_amount(typed.get("amount"), unit, rules)
            if typed.get("done_on"):
                parse_date(typed.get("done_on"), starts_on=starts_on, today=today)
        except InvalidInput as exc:
            note = exc.message
        else:
            hours = contact_hours(unit, amount)
            items.append(CeHours(hours, bool(typed.get("on_technology"))))
            worth = f"{format_amount(unit, amount)} = {format_number(hours)} contact hours"
            note = f"This activity: {worth}."
    return ce_totals(items, rules), note


def current_renewal(session: Session, certificate: Certificate) -> RenewalApplication | None:
    """The application for the certificate's present expiry date, if one was made."""
    return session.scalar(
        select(RenewalApplication).where(
            RenewalApplication.certificate_id == certificate.id,
            RenewalApplication.cycle_expires_on == certificate.expires_on,
        )
    )


def last_approved(session: Session, certificate: Certificate) -> RenewalApplication | None:
    """The certificate's most recent approved renewal, if any."""
    return session.scalar(
        select(RenewalApplication)
        .where(
            RenewalApplication.certificate_id == certificate.id,
            RenewalApplication.status == RenewalStatus.APPROVED,
        )
        .order_by(RenewalApplication.cycle_expires_on.desc())
        .limit(1)
    )


def period_starts_on(session: Session, certificate: Certificate) -> date:
    """The first day of the certificate's present validity period: its issue date, or the day
    after the expiry its last approved renewal extended. Activities count from then."""
    renewed = last_approved(session, certificate)
    if renewed is None:
        return certificate.issued_on
    return renewed.cycle_expires_on + timedelta(days=1)
