"""A candidate's portfolio: finding it, its entries, and saving its texts without lost updates.

Texts use optimistic locking: the browser (or an API script) sends the version it started
from; a different current version (another tab saved meanwhile) is a StaleVersion (a Conflict)
with STALE_MESSAGE and nothing is written. The version column of each row (SQLAlchemy's
version_id_col) also catches the race between our check and the UPDATE.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput, StaleVersion
from portfolio.domain.portfolios.evidence import (
    MAX_NARRATIVE,
    MAX_STATEMENT,
    STALE_MESSAGE,
    CompetencyEvidence,
    clean_text,
    status_after_edit,
    word_count,
)
from portfolio.domain.portfolios.narrative import Rendered, render_for_storage
from portfolio.models import (
    Artifact,
    ArtifactKind,
    Competency,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Portfolio,
    PortfolioEntry,
    Route,
    UploadStatus,
    User,
)
from portfolio.services import audit

# The version_id_col value of a portfolio just made (the model's default).
NEW_VERSION = 1

PORTFOLIO_CONTENT = (
    selectinload(Portfolio.entries)
    .selectinload(PortfolioEntry.artifacts)
    .selectinload(Artifact.upload),
)


def find_portfolio(
    session: Session, enrollment: Enrollment, *, fresh: bool = False
) -> Portfolio | None:
    """The enrollment's portfolio with its entries, their artifacts and uploads loaded, or None
    before the candidate first chose the portfolio route. Only reads: every GET uses this."""
    return _load(session, enrollment.id, fresh)


def ensure_portfolio(session: Session, enrollment: Enrollment, *, fresh: bool = False) -> Portfolio:
    """The enrollment's portfolio, made if missing, with an entry for every competency of every
    set on the portfolio route (made if missing), entries, their artifacts and uploads loaded.
    Called when a route is chosen and by the POSTs that edit or submit; never on a GET.
    `fresh` re-reads rows already in the session (after a lock). Safe when two requests create
    it at once."""
    portfolio = _load(session, enrollment.id, fresh)
    if portfolio is None:
        try:
            with session.begin_nested():
                session.add(Portfolio(enrollment_id=enrollment.id, learning_statement=""))
        except IntegrityError:
            pass  # another request created it a moment ago; the load below finds theirs
        portfolio = _load(session, enrollment.id, fresh=True)
        assert portfolio is not None
    have = {entry.competency_id for entry in portfolio.entries}
    missing = [
        competency.id
        for enrollment_set in portfolio_sets(enrollment)
        for competency in enrollment_set.competency_set.competencies
        if competency.id not in have
    ]
    if missing:
        try:
            with session.begin_nested():
                for competency_id in missing:
                    session.add(
                        PortfolioEntry(portfolio_id=portfolio.id, competency_id=competency_id)
                    )
        except IntegrityError:
            pass  # created at the same moment by another request; the load below finds them
        portfolio = _load(session, enrollment.id, fresh=True)
        assert portfolio is not None
    return portfolio


def _load(session: Session, enrollment_id: int, fresh: bool) -> Portfolio | None:
    query = (
        select(Portfolio)
        .where(Portfolio.enrollment_id == enrollment_id)
        .options(*PORTFOLIO_CONTENT)
        .execution_options(populate_existing=fresh)
    )
    return session.scalars(query).one_or_none()


def portfolio_sets(enrollment: Enrollment) -> list[EnrollmentSet]:
    """The enrollment's sets on the portfolio route, in the framework's order."""
    chosen = [s for s in enrollment.sets if s.route == Route.PORTFOLIO]
    return sorted(chosen, key=lambda s: (s.competency_set.position, s.id))


def entries_by_competency(portfolio: Portfolio) -> dict[int, PortfolioEntry]:
    return {entry.competency_id: entry for entry in portfolio.entries}


def enrollment_set_for(portfolio: Portfolio, competency: Competency) -> EnrollmentSet:
    """The candidate's set holding `competency`; Conflict when they no longer take that set
    (an elective changed: the entry and its text stay, but cannot change)."""
    for enrollment_set in portfolio.enrollment.sets:
        if enrollment_set.set_id == competency.set_id:
            return enrollment_set
    raise Conflict("This competency is not part of the sets you are taking now.")


def check_editable(enrollment_set: EnrollmentSet) -> None:
    """Conflict (409) unless the evidence of this set may change now."""
    require_open(enrollment_set.enrollment)
    if enrollment_set.route != Route.PORTFOLIO:
        raise Conflict("This set is not on the portfolio route, so its evidence cannot change.")
    status_after_edit(enrollment_set.status)


def begin_edit(session: Session, enrollment_set: EnrollmentSet, actor: User | None) -> None:
    """Check the set may change (Conflict otherwise); a first edit makes it a draft (audited)."""
    check_editable(enrollment_set)
    current = enrollment_set.status
    new = status_after_edit(current)
    if new is current:
        return
    try:
        with session.begin_nested():
            enrollment_set.status = new
    except StaleDataError:
        # The set changed meanwhile (not the text being saved): a plain conflict, so the API
        # does not tell a script to read its entry again for a version that did not move.
        raise Conflict(STALE_MESSAGE) from None
    audit.record(
        session,
        actor=actor,
        action=AuditAction.SET_STATUS_CHANGED,
        object_type="enrollment_set",
        object_id=enrollment_set.id,
        details={"from": current.value, "to": new.value, "event": "save_draft"},
    )


def update_learning_statement(
    session: Session,
    portfolio: Portfolio,
    text: object,
    expected_version: object,
    *,
    actor: User | None = None,
) -> Portfolio:
    """Save the learning statement, with its HTML rendered now, if `expected_version` is still
    current (Conflict if not)."""
    clean = clean_text(
        text, field="learning_statement", label="The learning statement", limit=MAX_STATEMENT
    )
    require_open(portfolio.enrollment)
    _check_version(portfolio.version, expected_version)
    if clean != portfolio.learning_statement:
        rendered = render_for_storage(clean)
        try:
            with session.begin_nested():
                portfolio.learning_statement = clean
                portfolio.learning_statement_html = rendered.html
                portfolio.learning_statement_rendered_with = rendered.rendered_with
        except StaleDataError:
            raise StaleVersion(STALE_MESSAGE) from None
    return portfolio


def update_narrative(
    session: Session,
    entry: PortfolioEntry,
    text: object,
    expected_version: object,
    *,
    actor: User | None = None,
) -> PortfolioEntry:
    """Save a competency's narrative, with its HTML rendered now, if `expected_version` is still
    current (Conflict if not, or if the set's evidence may not change). Never touches a
    submitted snapshot."""
    clean = clean_text(text, field="narrative", label="The narrative", limit=MAX_NARRATIVE)
    enrollment_set = enrollment_set_for(entry.portfolio, entry.competency)
    _check_version(entry.version, expected_version)
    if clean == entry.narrative:
        check_editable(enrollment_set)
        return entry
    begin_edit(session, enrollment_set, actor)
    rendered = render_for_storage(clean)
    try:
        with session.begin_nested():
            entry.narrative = clean
            entry.narrative_html = rendered.html
            entry.narrative_rendered_with = rendered.rendered_with
    except StaleDataError:
        raise StaleVersion(STALE_MESSAGE) from None
    return entry


def statement_rendered(portfolio: Portfolio) -> Rendered:
    """The learning statement's stored HTML and the renderer that made it."""
    return Rendered(portfolio.learning_statement_html, portfolio.learning_statement_rendered_with)


def narrative_rendered(entry: PortfolioEntry) -> Rendered:
    """The narrative's stored HTML and the renderer that made it."""
    return Rendered(entry.narrative_html, entry.narrative_rendered_with)


def is_usable(artifact: Artifact) -> bool:
    """Whether an artifact counts as evidence: a link, or a file whose upload is verified."""
    if artifact.kind == ArtifactKind.LINK:
        return bool(artifact.url)
    return artifact.upload is not None and artifact.upload.status == UploadStatus.VERIFIED


def evidence_for_set(
    portfolio: Portfolio | None, enrollment_set: EnrollmentSet
) -> list[CompetencyEvidence]:
    """Per competency of the set, in order: narrative length and artifact counts (all zero
    before the portfolio exists)."""
    entries = entries_by_competency(portfolio) if portfolio is not None else {}
    summary = []
    for competency in enrollment_set.competency_set.competencies:
        entry = entries.get(competency.id)
        artifacts = entry.artifacts if entry is not None else []
        usable = sum(1 for artifact in artifacts if is_usable(artifact))
        summary.append(
            CompetencyEvidence(
                competency_id=competency.id,
                code=competency.code,
                title=competency.title,
                narrative_words=word_count(entry.narrative) if entry is not None else 0,
                usable_artifacts=usable,
                unusable_artifacts=len(artifacts) - usable,
                provisional=competency.provisional,
            )
        )
    return summary


def require_open(enrollment: Enrollment) -> None:
    """Conflict (409) once the enrollment is certified or closed: its portfolio is read-only."""
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise Conflict(f"Your enrollment is {enrollment.status.value}: the portfolio is closed.")


def _check_version(current: int, expected: object) -> None:
    if isinstance(expected, bool) or not isinstance(expected, int):
        raise InvalidInput("The version of the text is missing; reload the page.", field="version")
    if expected != current:
        raise StaleVersion(STALE_MESSAGE)
