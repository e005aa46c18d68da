"""What a candidate sees of their fees: each application's statement, ledger and receipts.

Read only (a GET never writes); a fixed number of queries however many applications there are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.applications.fees import FeeStatement
from portfolio.domain.errors import NotFound
from portfolio.domain.programs.rules import FeeRules
from portfolio.models import (
    Application,
    ApplicationStatus,
    LedgerKind,
    Payment,
    ScholarshipAward,
    User,
)
from portfolio.services.applications.payments import fee_statement, get_own_payment, payers_of
from portfolio.services.programs.versions import load_rules


@dataclass(frozen=True)
class Ledger:
    application: Application
    fees: FeeRules
    statement: FeeStatement
    entries: tuple[Payment, ...]
    awards: tuple[ScholarshipAward, ...]


@dataclass(frozen=True)
class CandidateFees:
    ledgers: tuple[Ledger, ...]
    payers: dict[int, User]


def candidate_fees(session: Session, candidate: User) -> CandidateFees:
    """The fee statement of each of `candidate`'s submitted, approved or rejected applications,
    newest first (drafts owe nothing yet)."""
    applications = session.scalars(
        select(Application)
        .where(
            Application.user_id == candidate.id,
            Application.status != ApplicationStatus.DRAFT,
        )
        .options(joinedload(Application.framework))
        .order_by(Application.id.desc())
    ).all()
    ids = [a.id for a in applications]
    entries = (
        session.scalars(
            select(Payment)
            .where(Payment.application_id.in_(ids), Payment.renewal_id.is_(None))
            .order_by(Payment.received_on, Payment.id)
        ).all()
        if ids
        else []
    )
    awards = (
        session.scalars(
            select(ScholarshipAward)
            .where(ScholarshipAward.application_id.in_(ids))
            .order_by(ScholarshipAward.awarded_on, ScholarshipAward.id)
        ).all()
        if ids
        else []
    )
    ledgers = []
    for application in applications:
        own = [e for e in entries if e.application_id == application.id]
        granted = [a for a in awards if a.application_id == application.id]
        ledgers.append(
            Ledger(
                application=application,
                fees=load_rules(application.framework).fees,
                statement=fee_statement(application, own, granted),
                entries=tuple(own),
                awards=tuple(granted),
            )
        )
    return CandidateFees(ledgers=tuple(ledgers), payers=payers_of(session, list(entries)))


@dataclass(frozen=True)
class Receipt:
    entry: Payment
    application: Application
    fees: FeeRules
    candidate: User
    payer: User | None


def receipt(session: Session, candidate: User, payment_id: int) -> Receipt:
    """One entry of `candidate`'s own ledger, for a printable receipt; NotFound otherwise."""
    entry = get_own_payment(session, candidate, payment_id)
    if entry.kind == LedgerKind.WAIVER:  # no money moved: nothing to give a receipt for
        raise NotFound("We could not find that payment.")
    application = session.get(Application, entry.application_id)
    assert application is not None  # a foreign key
    payer = session.get(User, entry.payer_id) if entry.payer_id is not None else None
    return Receipt(
        entry=entry,
        application=application,
        fees=load_rules(application.framework).fees,
        candidate=candidate,
        payer=payer,
    )
