"""Scholarships: pools of money given for a scholarship, and awards drawn from them.

An award needs the person to qualify (membership of the awarding body, one award from that body
per period: domain.applications.fees.scholarship_eligibility) and, for a pooled scholarship, a
pool with enough left. Two awards at once can neither both pass the per-person check (the
person's row is locked) nor overspend a pool (a conditional UPDATE, backed by a CHECK).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portfolio.domain.applications.fees import (
    PoolBalance,
    choose_pool,
    format_money,
    same_body_keys,
    scholarship_eligibility,
)
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.money import MAX_AMOUNT_CENTS
from portfolio.domain.programs.rules import Scholarship
from portfolio.models import Application, ScholarshipAward, ScholarshipPool, User
from portfolio.services import audit
from portfolio.services.applications.payments import LEDGER_STATUSES, NOTE_LIMIT
from portfolio.services.programs.queries import get_framework, published_programs
from portfolio.services.programs.versions import load_rules

POOL_NAME_LIMIT = 200


def body_award_dates(
    session: Session, user_id: int, scholarships: Sequence[Scholarship], scholarship: Scholarship
) -> list[date]:
    """When `user_id` received any scholarship of `scholarship`'s awarding body (or, with no
    body, this scholarship), as recorded on the awards (the body they were given under)."""
    keys = same_body_keys(scholarships, scholarship)
    query = select(ScholarshipAward.awarded_on).where(ScholarshipAward.user_id == user_id)
    if scholarship.awarding_body:
        query = query.where(
            (ScholarshipAward.awarding_body == scholarship.awarding_body)
            | ScholarshipAward.scholarship_key.in_(keys)
        )
    else:
        query = query.where(ScholarshipAward.scholarship_key.in_(keys))
    return list(session.scalars(query))


def pools_of(session: Session, program_slug: str, scholarship_key: str) -> list[ScholarshipPool]:
    query = select(ScholarshipPool).where(
        ScholarshipPool.program_slug == program_slug,
        ScholarshipPool.scholarship_key == scholarship_key,
    )
    return list(session.scalars(query.order_by(ScholarshipPool.id)))


def all_pools(session: Session) -> list[ScholarshipPool]:
    query = select(ScholarshipPool).order_by(ScholarshipPool.program_slug, ScholarshipPool.id)
    return list(session.scalars(query))


def create_pool(
    session: Session,
    *,
    actor: User,
    program_slug: str,
    scholarship_key: str,
    name: str,
    total_cents: int,
) -> ScholarshipPool:
    """A pool of `total_cents` for one scholarship of a published program. InvalidInput for an
    unknown program or scholarship, a blank or overlong name, or a bad amount. Audited."""
    framework = get_framework(session, program_slug, include_drafts=False)
    if framework is None:
        raise InvalidInput("Choose a published program.", field="program")
    keys = {s.key for s in load_rules(framework).fees.scholarships}
    if scholarship_key not in keys:
        raise InvalidInput("Choose a scholarship of this program.", field="scholarship_key")
    name = name.strip()
    if not name:
        raise InvalidInput("Name the gift, for example: 2026 gift from the Friends.", field="name")
    if len(name) > POOL_NAME_LIMIT:
        raise InvalidInput(f"Use at most {POOL_NAME_LIMIT} characters.", field="name")
    if isinstance(total_cents, bool) or not isinstance(total_cents, int):
        raise InvalidInput("An amount must be a whole number of cents.", field="amount")
    if not 0 < total_cents <= MAX_AMOUNT_CENTS:
        raise InvalidInput("Enter an amount more than 0.", field="amount")
    pool = ScholarshipPool(
        program_slug=framework.slug,
        scholarship_key=scholarship_key,
        name=name,
        total_cents=total_cents,
        awarded_cents=0,
        created_by_id=actor.id,
    )
    session.add(pool)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.SCHOLARSHIP_POOL_CREATED,
        object_type="scholarship_pool",
        object_id=pool.id,
        details={
            "program": framework.slug,
            "scholarship_key": scholarship_key,
            "name": name,
            "total_cents": total_cents,
        },
    )
    return pool


def _draw(
    session: Session, program_slug: str, scholarship: Scholarship, currency: str
) -> ScholarshipPool:
    """Take the award's amount from the oldest pool that has it; InvalidInput when spent."""
    locked = session.scalars(
        select(ScholarshipPool)
        .where(
            ScholarshipPool.program_slug == program_slug,
            ScholarshipPool.scholarship_key == scholarship.key,
        )
        .order_by(ScholarshipPool.id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the values as locked, not as cached
    ).all()
    amount = scholarship.amount_cents
    chosen = choose_pool([PoolBalance(p.id, p.remaining_cents) for p in locked], amount)
    if chosen is not None:
        # Conditional, so that even without the lock (SQLite) two draws cannot overspend.
        drawn = session.execute(
            update(ScholarshipPool)
            .where(
                ScholarshipPool.id == chosen,
                ScholarshipPool.awarded_cents + amount <= ScholarshipPool.total_cents,
            )
            .values(awarded_cents=ScholarshipPool.awarded_cents + amount)
            .execution_options(synchronize_session=False)
        )
        if drawn.rowcount == 1:  # type: ignore[attr-defined]
            pool = session.get(ScholarshipPool, chosen, populate_existing=True)
            assert pool is not None
            return pool
    if not locked:
        raise InvalidInput(
            f"There is no money for the {scholarship.name}: record a gift for it first "
            "(Administration, Scholarship pools).",
            field="scholarship_key",
        )
    left = format_money(sum(p.remaining_cents for p in locked), currency)
    raise InvalidInput(
        f"The money for the {scholarship.name} is spent: {left} is left, less than one award "
        f"of {format_money(amount, currency)}.",
        field="scholarship_key",
    )


def award_scholarship(
    session: Session,
    application: Application,
    *,
    actor: User,
    scholarship_key: str,
    note: str,
    today: date,
) -> ScholarshipAward:
    """Award a scholarship of the program's rules toward this application's fee, today.

    InvalidInput when the rules have no such scholarship, when this person does not qualify
    now (membership of the awarding body; one award from that body per period), or when the
    scholarship's pools have not enough left. Audited.
    """
    if application.status not in LEDGER_STATUSES:
        raise Conflict(f"Nothing can be recorded for an application that is {application.status}.")
    rules = load_rules(application.framework).fees
    scholarships = {s.key: s for s in rules.scholarships}
    scholarship = scholarships.get(scholarship_key)
    if scholarship is None:
        raise InvalidInput("Choose a scholarship of this program.", field="scholarship_key")
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(f"Use at most {NOTE_LIMIT:,} characters.", field="note")
    # Lock the person's row (PostgreSQL) so two awards at once cannot both pass the check.
    session.get(User, application.user_id, with_for_update=True)
    previous = body_award_dates(session, application.user_id, rules.scholarships, scholarship)
    member = bool(application.awarding_body_member)
    check = scholarship_eligibility(scholarship, member, previous, today)
    if not check.ok:
        raise InvalidInput(check.reason, field="scholarship_key")
    pool = None
    if scholarship.pooled:
        pool = _draw(session, application.framework.slug, scholarship, rules.currency)
    award = ScholarshipAward(
        user_id=application.user_id,
        application_id=application.id,
        scholarship_key=scholarship.key,
        awarding_body=scholarship.awarding_body,
        pool_id=pool.id if pool is not None else None,
        amount_cents=scholarship.amount_cents,
        awarded_on=today,
        awarded_by_id=actor.id,
        note=note,
    )
    session.add(award)
    session.flush()
    details: dict[str, object] = {
        "award_id": award.id,
        "scholarship_key": scholarship.key,
        "amount_cents": scholarship.amount_cents,
        "awarded_on": today.isoformat(),
    }
    if pool is not None:
        details |= {"pool_id": pool.id, "pool_remaining_cents": pool.remaining_cents}
    audit.record(
        session,
        actor=actor,
        action=AuditAction.SCHOLARSHIP_AWARDED,
        object_type="application",
        object_id=application.id,
        details=details,
    )
    return award


def pooled_scholarships(session: Session) -> list[tuple[str, str, Scholarship]]:
    """(program slug, program name, scholarship) for every pooled scholarship of the latest
    published version of each program."""
    found = []
    for framework in published_programs(session):
        for scholarship in load_rules(framework).fees.scholarships:
            if scholarship.pooled:
                found.append((framework.slug, framework.name, scholarship))
    return found
