"""A provider's CSV roster of completions, imported all or nothing, once per file.

Every row is checked inside one savepoint; a single bad row rolls the savepoint back, so a
roster is never half imported, and the provider gets every row's problem at once. The same file
(by SHA-256) imports once: importing it again changes nothing. A row already on record (the
same candidate, set and course, say from an earlier roster) is counted, not recorded twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.courses.rosters import RosterRow, RowError, decode, parse_roster
from portfolio.domain.errors import Conflict, DomainError, InvalidInput
from portfolio.models import Course, CourseCompletion, Enrollment, Provider, RosterImport, User
from portfolio.services import audit
from portfolio.services.certification import evaluation
from portfolio.services.courses import completions

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_ROWS = 500


@dataclass
class RosterResult:
    errors: list[RowError] = field(default_factory=list)
    recorded: int = 0  # completions recorded now
    on_record: int = 0  # rows that were already on record
    roster: RosterImport | None = None
    same_file: bool = False  # this file was imported before: nothing changed

    @property
    def ok(self) -> bool:
        return not self.errors


def roster_completions(session: Session, roster: RosterImport) -> list[CourseCompletion]:
    return list(
        session.scalars(
            select(CourseCompletion)
            .where(CourseCompletion.roster_import_id == roster.id)
            .order_by(CourseCompletion.id)
        )
    )


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_roster(
    session: Session,
    provider: Provider,
    *,
    data: bytes,
    name: str,
    actor: User,
    today: date,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> RosterResult:
    """Import `data` (a CSV file's bytes) for `provider`. InvalidInput for a file over the
    limits or not UTF-8 text; otherwise the result lists every row's problem (nothing
    imported) or what was recorded."""
    digest = sha256_of(data)
    earlier = session.scalar(
        select(RosterImport).where(
            RosterImport.provider_id == provider.id, RosterImport.sha256 == digest
        )
    )
    if earlier is not None:
        return RosterResult(roster=earlier, same_file=True)
    try:
        text = decode(data, max_bytes)
        parsed = parse_roster(text, max_rows)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="roster") from None
    if not parsed.rows:
        return RosterResult(errors=list(parsed.errors))
    # The rows that parsed are checked too, even when others did not: the provider is told
    # every problem of the file at once (nothing is kept unless there is none).
    result = RosterResult(errors=list(parsed.errors))
    savepoint = session.begin_nested()
    try:
        roster = RosterImport(
            provider_id=provider.id,
            sha256=digest,
            original_name=name[:255],
            row_count=len(parsed.rows),
            imported_by_id=actor.id,
        )
        session.add(roster)
        session.flush()
        _record_rows(session, provider, parsed.rows, roster, actor, today, result)
    except IntegrityError:
        savepoint.rollback()
        raise Conflict("This roster is being imported by another request already.") from None
    if result.errors:
        savepoint.rollback()
        result.recorded = result.on_record = 0
        result.errors.sort(key=lambda error: error.line)
        return result
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COURSE_ROSTER_IMPORTED,
        object_type="roster_import",
        object_id=roster.id,
        details={
            "provider_id": provider.id,
            "sha256": digest,
            "rows": len(parsed.rows),
            "recorded": result.recorded,
            "on_record": result.on_record,
            # Each completion the roster recorded (one event for the file, not one per row).
            "completions": [
                [c.id, c.enrollment_set_id, c.course_version_id, c.completed_on.isoformat()]
                for c in roster_completions(session, roster)
            ],
        },
    )
    savepoint.commit()
    result.roster = roster
    return result


def _record_rows(
    session: Session,
    provider: Provider,
    rows: tuple[RosterRow, ...],
    roster: RosterImport,
    actor: User,
    today: date,
    result: RosterResult,
) -> None:
    """Check and record every row; a few lookups for the whole file, then one flush."""
    courses: dict[str, Course | DomainError] = {}
    for row in rows:
        key = row.course.casefold()
        if key not in courses:
            try:
                courses[key] = completions.own_course(session, provider, row.course)
            except DomainError as exc:
                courses[key] = exc
    found: dict[str, dict[str, list[Enrollment]]] = {}
    for slug in {c.framework_slug for c in courses.values() if isinstance(c, Course)}:
        keys = [completions.candidate_key(row.candidate) for row in rows]
        found[slug] = completions.enrollments_for(session, slug, keys)
    set_ids = [
        item.id
        for by_key in found.values()
        for enrollments in by_key.values()
        for enrollment in enrollments
        for item in enrollment.sets
    ]
    on_record = completions.verified_course_pairs(session, set_ids)
    years: dict[int, int] = {}
    seen: dict[tuple[int, int], int] = {}
    to_evaluate: dict[int, Enrollment] = {}
    for row in rows:
        course = courses[row.course.casefold()]
        if isinstance(course, DomainError):
            result.errors.append(RowError(row.line, course.message))
            continue
        if course.id not in years:
            years[course.id] = completions.retroactive_years_of(session, course)
        key = completions.candidate_key(row.candidate)
        try:
            item = completions.pick_set(found[course.framework_slug].get(key, []), course, key)
            first = seen.setdefault((item.id, course.id), row.line)
            if first != row.line:
                raise InvalidInput(f"It repeats row {first} (the same candidate and course).")
            if (item.id, course.id) in on_record:
                # On record already: nothing changes, but a date that cannot be right is named.
                completions.version_for_date(
                    session, course, row.completed_on, today, years[course.id]
                )
                result.on_record += 1
                continue
            completions.record_provider_completion(
                session,
                provider,
                item,
                course,
                row.completed_on,
                actor=actor,
                today=today,
                roster_import=roster,
                years=years[course.id],
            )
        except DomainError as exc:
            result.errors.append(RowError(row.line, exc.message))
            continue
        result.recorded += 1
        to_evaluate[item.enrollment_id] = item.enrollment
    if result.errors:
        return
    session.flush()
    for enrollment in to_evaluate.values():
        evaluation.evaluate_enrollment(session, enrollment, today, actor=actor)
