"""Evaluating every active enrollment at once (`flask certification evaluate --all`).

The same decision as services.certification.evaluation.evaluate_enrollment makes for one
enrollment (the same rule, records, audit events, certificate, credential and emails), for
thousands, in a number of queries that grows with the chunks, not with the candidates:
enrollments are taken CHUNK at a time; each chunk's sets are read in one query as plain rows and
given the pure rule's verdict; the few the rule now decides are locked, read again under the
lock (a set may have been met in between, or another run may have decided them) and recorded
together, each kind of row in one insert. Running it again records nothing new: a decided
enrollment is no longer active, and one the rule leaves open is left as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import cast

from sqlalchemy import ColumnElement, String, Table, and_, exists, insert, select, type_coerce
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.certification.evaluation import (
    Decision,
    Route,
    SetState,
    Verdict,
    evaluate,
    verdict,
)
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.notifications import Kind
from portfolio.domain.programs.rules import ProgramRules
from portfolio.models import (
    Certificate,
    CertificationDecision,
    CompetencySet,
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Framework,
    SetKind,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.certification.evaluation import (
    DASHBOARD_PATH,
    certified_message,
    decision_record,
    issued_details,
    new_certificate,
    not_certified_message,
)
from portfolio.services.certification.evidence import evidence_for_sets
from portfolio.services.certification.issuer import current_issuer
from portfolio.services.certification.open_badges import issue_credentials
from portfolio.services.certification.set_states import state_of
from portfolio.services.notifications import notify_many
from portfolio.services.programs.versions import load_rules

CHUNK = 2000  # enrollments judged per round: their rows stay a few MiB
# The tables themselves, not the ORM classes: the evidence is read as plain rows.
_ENROLLMENT = Enrollment.__table__.c
_SET = EnrollmentSet.__table__
_COMPETENCY_SET = CompetencySet.__table__


@dataclass(frozen=True)
class BatchOutcome:
    evaluated: int  # active enrollments judged
    certified: int  # decided now, each way
    not_certified: int

    @property
    def still_open(self) -> int:
        return self.evaluated - self.certified - self.not_certified


@dataclass(frozen=True)
class _Program:
    framework: Framework
    rules: ProgramRules


@dataclass(frozen=True)
class _Candidate:
    framework_id: int
    window_ends_on: date
    sets: tuple[SetState, ...]


def evaluate_all(session: Session, today: date) -> BatchOutcome:
    """Decide every active enrollment the rule now decides (as of `today`); flushes only."""
    # Framework id -> the version and its rules; holding the version here keeps it (and its
    # loaded sets) in the session's identity map for the whole batch.
    programs: dict[int, _Program] = {}
    evaluated = certified = not_certified = 0
    after = 0
    while True:
        chunk = (
            select(_ENROLLMENT.id)
            .where(_ENROLLMENT.status == EnrollmentStatus.ACTIVE.value, _ENROLLMENT.id > after)
            .order_by(_ENROLLMENT.id)
            .limit(CHUNK)
        )
        candidates = _evidence(session, _ENROLLMENT.id.in_(chunk.scalar_subquery()))
        if not candidates:
            break
        after = max(candidates)
        evaluated += len(candidates)
        _load_programs(session, programs, candidates.values())
        decided = [
            enrollment_id
            for enrollment_id, candidate in candidates.items()
            if _verdict(candidate, programs, today) is not Verdict.NOT_YET
        ]
        if decided:
            now_certified, now_not = _record(session, decided, programs, today)
            certified += now_certified
            not_certified += now_not
    return BatchOutcome(evaluated, certified, not_certified)


def standings(session: Session, enrollment_ids: Sequence[int], today: date) -> dict[int, Decision]:
    """Enrollment id -> where it stands now by the rule, as evaluation.standing says it without
    naming evidence (nothing recorded), for a page of enrollments: two queries, plain rows."""
    candidates = _evidence(session, _ENROLLMENT.id.in_(list(enrollment_ids)))
    programs: dict[int, _Program] = {}
    frameworks = {candidate.framework_id for candidate in candidates.values()}
    for framework in session.scalars(select(Framework).where(Framework.id.in_(frameworks))):
        programs[framework.id] = _Program(framework, load_rules(framework))
    return {
        enrollment_id: _judge(candidate, programs, today)
        for enrollment_id, candidate in candidates.items()
    }


def _evidence(session: Session, which: ColumnElement[bool]) -> dict[int, _Candidate]:
    """Enrollment id -> its window and its sets as the rule sees them, in one query.

    Read as plain rows of the tables (not through the ORM), the enumerations as the strings
    stored: most sets are in one of a few dozen states, each turned into a SetState once.
    """
    enrollment, item, competency_set = _ENROLLMENT, _SET.c, _COMPETENCY_SET.c
    rows = session.execute(
        select(
            enrollment.id,
            enrollment.framework_id,
            enrollment.window_ends_on,
            competency_set.code,
            competency_set.name,
            type_coerce(competency_set.kind, String),
            type_coerce(item.route, String),
            type_coerce(item.status, String),
            type_coerce(item.course_status, String),
        )
        .select_from(Enrollment.__table__)
        .outerjoin(_SET, and_(item.enrollment_id == enrollment.id, item.dropped_on.is_(None)))
        .outerjoin(_COMPETENCY_SET, competency_set.id == item.set_id)
        .where(which)
        .order_by(enrollment.id, item.id)
    )
    heads: dict[int, tuple[int, date]] = {}
    sets: dict[int, list[SetState]] = defaultdict(list)
    for enrollment_id, framework_id, ends, code, name, kind, route, status, course in rows:
        heads[enrollment_id] = (framework_id, ends)
        if code is not None:  # an enrollment without sets yet has one row of NULLs
            sets[enrollment_id].append(_state(code, name, kind, route, status, course))
    return {
        enrollment_id: _Candidate(framework_id, ends, tuple(sets[enrollment_id]))
        for enrollment_id, (framework_id, ends) in heads.items()
    }


@lru_cache(maxsize=4096)
def _state(
    code: str, name: str, kind: str, route: str, status: str, course: str | None
) -> SetState:
    """One set's state from its stored strings (SetState is immutable: shared, not copied)."""
    return state_of(
        code,
        name,
        SetKind(kind),
        Route(route),
        SetLifecycle(status),
        CourseStatus(course) if course is not None else None,
    )


def _load_programs(
    session: Session, programs: dict[int, _Program], candidates: Iterable[_Candidate]
) -> None:
    """Each program version the candidates are on, with its rules and its sets (a credential
    describes them), read once per version, not once per person."""
    missing = {c.framework_id for c in candidates} - programs.keys()
    if missing:
        query = select(Framework).where(Framework.id.in_(missing))
        for framework in session.scalars(query.options(selectinload(Framework.sets))):
            programs[framework.id] = _Program(framework, load_rules(framework))


def _verdict(candidate: _Candidate, programs: dict[int, _Program], today: date) -> Verdict:
    electives = programs[candidate.framework_id].rules.electives_required
    return verdict(candidate.sets, electives, candidate.window_ends_on, today)


def _with_evidence(session: Session, candidates: dict[int, _Candidate]) -> dict[int, _Candidate]:
    """The candidates with each set's evidence named, as evaluate_enrollment names it (two
    queries for the sets' ids, three for their evidence, whatever the number)."""
    ids = {
        (enrollment_id, code): set_id
        for set_id, enrollment_id, code in session.execute(
            select(EnrollmentSet.id, EnrollmentSet.enrollment_id, CompetencySet.code)
            .join(CompetencySet, CompetencySet.id == EnrollmentSet.set_id)
            .where(
                EnrollmentSet.enrollment_id.in_(list(candidates)),
                EnrollmentSet.dropped_on.is_(None),
            )
        )
    }
    named = evidence_for_sets(session, list(ids.values()))
    return {
        enrollment_id: replace(
            candidate,
            sets=tuple(
                replace(state, evidence=named.get(ids.get((enrollment_id, state.code), 0), ""))
                for state in candidate.sets
            ),
        )
        for enrollment_id, candidate in candidates.items()
    }


def _judge(candidate: _Candidate, programs: dict[int, _Program], today: date) -> Decision:
    electives = programs[candidate.framework_id].rules.electives_required
    return evaluate(candidate.sets, electives, candidate.window_ends_on, today)


def _record(
    session: Session, decided: Sequence[int], programs: dict[int, _Program], today: date
) -> tuple[int, int]:
    """Lock the enrollments the rule decided, judge them again from their sets as they are
    under the lock, and record each decision as evaluate_enrollment would; (certified, not)."""
    locked = session.scalars(
        select(Enrollment)
        .where(
            Enrollment.id.in_(decided),
            Enrollment.status == EnrollmentStatus.ACTIVE,
            ~exists().where(CertificationDecision.enrollment_id == Enrollment.id),
        )
        .options(
            # The holder's name and address only: not their roles (loaded "selectin").
            joinedload(Enrollment.user, innerjoin=True).lazyload(User.roles),
            joinedload(Enrollment.framework, innerjoin=True),
        )
        .order_by(Enrollment.id)
        .with_for_update(of=Enrollment)
    ).all()
    if not locked:
        return 0, 0
    candidates = _with_evidence(
        session, _evidence(session, _ENROLLMENT.id.in_([e.id for e in locked]))
    )
    judged = [(e, _judge(candidates[e.id], programs, today)) for e in locked]
    judged = [(e, d) for e, d in judged if d.verdict is not Verdict.NOT_YET]
    records = [decision_record(e.id, d) for e, d in judged]
    session.execute(
        insert(cast(Table, CertificationDecision.__table__)),
        [
            {"enrollment_id": r.enrollment_id, "status": r.status, "reasons": r.reasons}
            for r in records
        ],
    )
    for enrollment, decision in judged:
        enrollment.status = (
            EnrollmentStatus.CERTIFIED
            if decision.verdict is Verdict.CERTIFIED
            else EnrollmentStatus.CLOSED
        )
    session.flush()
    audit.record_many(
        session,
        actor=None,
        action=AuditAction.CERTIFICATION_DECIDED,
        object_type="enrollment",
        entries=[(e.id, d.as_document()) for e, d in judged],
    )
    notify_many(
        session,
        kind=Kind.DECISION,
        link=DASHBOARD_PATH,
        notices=[
            (e.user, *not_certified_message(e, d))
            for e, d in judged
            if d.verdict is Verdict.NOT_CERTIFIED
        ],
    )
    certified = [e for e, d in judged if d.verdict is Verdict.CERTIFIED]
    if certified:
        _issue_all(session, certified, candidates, programs, today)
    return len(certified), len(judged) - len(certified)


def _issue_all(
    session: Session,
    certified: Sequence[Enrollment],
    candidates: dict[int, _Candidate],
    programs: dict[int, _Program],
    today: date,
) -> None:
    """evaluation._issue for many: certificates, audit, signed credentials, notifications."""
    session.execute(
        insert(cast(Table, Certificate.__table__)),
        [
            {column: getattr(c, column) for column in _CERTIFICATE_COLUMNS}
            for c in (new_certificate(e, programs[e.framework_id].rules, today) for e in certified)
        ],
    )
    issued = {
        c.enrollment_id: c
        for c in session.scalars(
            select(Certificate).where(Certificate.enrollment_id.in_([e.id for e in certified]))
        )
    }
    certificates = [issued[e.id] for e in certified]
    audit.record_many(
        session,
        actor=None,
        action=AuditAction.CERTIFICATE_ISSUED,
        object_type="certificate",
        entries=[(c.id, issued_details(c)) for c in certificates],
    )
    # Signed now and stored, so every later request only reads it.
    issue_credentials(
        session,
        [(issued[e.id], e, candidates[e.id].sets) for e in certified],
        current_issuer(),
        utcnow(),
    )
    notify_many(
        session,
        kind=Kind.DECISION,
        link=DASHBOARD_PATH,
        notices=[(e.user, *certified_message(e, issued[e.id])) for e in certified],
    )


_CERTIFICATE_COLUMNS = (
    "number",
    "enrollment_id",
    "user_id",
    "framework_id",
    "issued_on",
    "expires_on",
)
