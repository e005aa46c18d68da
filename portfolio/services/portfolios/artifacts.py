"""Artifacts of a portfolio: links and verified files, and the competencies each supports.

An artifact belongs to one portfolio and may support several of its competencies. Every change
checks each set it touches (services.portfolios.entries.begin_edit): a met or closed set refuses it.
Removing an artifact removes it from the live draft only; its Upload row and object stay, so
submitted snapshots that name them keep pointing at real files (and the file can be attached
again).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.ids import is_row_id
from portfolio.domain.portfolios.evidence import (
    MAX_CAPTION,
    MAX_DESCRIPTION,
    check_link_url,
    clean_text,
)
from portfolio.models import (
    Artifact,
    ArtifactKind,
    Portfolio,
    PortfolioEntry,
    Route,
    UploadStatus,
    User,
)
from portfolio.services import audit
from portfolio.services.portfolios.entries import (
    begin_edit,
    enrollment_set_for,
    entries_by_competency,
    require_open,
)
from portfolio.services.uploads.access import own_attachable_upload

CHANGED_MEANWHILE = "This was changed in another tab or window at the same moment. Reload the page."
UPLOAD_NOT_READY = {
    UploadStatus.PENDING: "This file is still being checked. Try again in a moment.",
    UploadStatus.REJECTED: "This file was refused when it was checked, so it cannot be evidence.",
    UploadStatus.BROKEN: "This file could not be found in storage. Upload it again.",
}


def add_link_artifact(
    session: Session,
    portfolio: Portfolio,
    *,
    url: object,
    caption: object,
    description: object = "",
    competency_ids: Iterable[object] = (),
    actor: User | None = None,
) -> Artifact:
    """A link to evidence published elsewhere (http or https only), supporting the given
    competencies of this portfolio. InvalidInput (422) for a bad field, NotFound (404) for a
    competency that is not this portfolio's, Conflict (409) for a set that may not change."""
    address = check_link_url(url)
    caption_text, description_text = _texts(caption, description)
    artifact = Artifact(
        kind=ArtifactKind.LINK, caption=caption_text, description=description_text, url=address
    )
    return _add(session, portfolio, artifact, competency_ids, actor)


def add_file_artifact(
    session: Session,
    portfolio: Portfolio,
    *,
    upload_id: object,
    caption: object = "",
    description: object = "",
    competency_ids: Iterable[object] = (),
    actor: User | None = None,
) -> Artifact:
    """A verified upload of the candidate's as an artifact (caption defaults to the file's
    name). NotFound (404) for an upload that is missing or someone else's, InvalidInput (422)
    for one that is not verified. A file already in this portfolio is linked, not doubled."""
    upload = own_attachable_upload(session, upload_id, portfolio.enrollment.user_id)
    if upload is None:
        raise NotFound("We could not find that file.")
    if upload.status != UploadStatus.VERIFIED:
        raise InvalidInput(UPLOAD_NOT_READY[upload.status], field="upload_id")
    existing = session.scalars(select(Artifact).where(Artifact.upload_id == upload.id)).first()
    if existing is not None:
        if existing.portfolio_id != portfolio.id:
            raise Conflict("This file is already evidence in another portfolio of yours.")
        link_artifact(session, existing, competency_ids, actor=actor)
        return existing
    if isinstance(caption, str) and not caption.strip():
        caption = upload.original_name[:MAX_CAPTION]
    caption_text, description_text = _texts(caption, description)
    artifact = Artifact(
        kind=ArtifactKind.FILE, caption=caption_text, description=description_text, upload=upload
    )
    return _add(session, portfolio, artifact, competency_ids, actor)


def file_artifact(session: Session, portfolio: Portfolio, upload_id: object) -> Artifact | None:
    """The artifact of this portfolio that already holds upload `upload_id`, if any: adding the
    file again links it (add_file_artifact), keeping its caption and description."""
    if not is_row_id(upload_id):
        return None
    return session.scalars(
        select(Artifact).where(
            Artifact.upload_id == upload_id, Artifact.portfolio_id == portfolio.id
        )
    ).first()


def link_artifact(
    session: Session, artifact: Artifact, competency_ids: Iterable[object], *, actor: User | None
) -> None:
    """Let `artifact` support these competencies too (already supported ones are left as is)."""
    entries = [
        e for e in _entries(artifact.portfolio, competency_ids) if artifact not in e.artifacts
    ]
    for entry in entries:
        begin_edit(session, enrollment_set_for(artifact.portfolio, entry.competency), actor)
    with _or_conflict(session):
        for entry in entries:
            entry.artifacts.append(artifact)


def unlink_artifact(
    session: Session, artifact: Artifact, competency_ids: Iterable[object], *, actor: User | None
) -> None:
    """Stop `artifact` supporting these competencies; it stays in the portfolio."""
    entries = [e for e in _entries(artifact.portfolio, competency_ids) if artifact in e.artifacts]
    for entry in entries:
        begin_edit(session, enrollment_set_for(artifact.portfolio, entry.competency), actor)
    with _or_conflict(session):
        for entry in entries:
            entry.artifacts.remove(artifact)


def set_artifact_competencies(
    session: Session, artifact: Artifact, competency_ids: Iterable[object], *, actor: User | None
) -> None:
    """Make `artifact` support exactly these competencies of its portfolio."""
    wanted = {entry.competency_id for entry in _entries(artifact.portfolio, competency_ids)}
    current = {entry.competency_id for entry in artifact.entries}
    unlink_artifact(session, artifact, sorted(current - wanted), actor=actor)
    link_artifact(session, artifact, sorted(wanted - current), actor=actor)


def update_artifact(
    session: Session,
    artifact: Artifact,
    *,
    caption: object,
    description: object,
    actor: User | None = None,
) -> Artifact:
    """Change the caption and description (the live draft only; snapshots keep theirs)."""
    caption_text, description_text = _texts(caption, description)
    require_open(artifact.portfolio.enrollment)
    _begin_edit_of_supported_sets(session, artifact, actor)
    artifact.caption = caption_text
    artifact.description = description_text
    session.flush()
    return artifact


def remove_artifact(session: Session, artifact: Artifact, *, actor: User | None = None) -> None:
    """Remove an artifact from the draft. Its upload (row and object) is kept on purpose."""
    require_open(artifact.portfolio.enrollment)
    _begin_edit_of_supported_sets(session, artifact, actor)
    details = {"kind": artifact.kind.value, "caption": artifact.caption}
    if artifact.upload_id is not None:
        details["upload_id"] = str(artifact.upload_id)
    artifact_id = artifact.id
    with _or_conflict(session):
        session.delete(artifact)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ARTIFACT_REMOVED,
        object_type="artifact",
        object_id=artifact_id,
        details=details,
    )


def _add(
    session: Session,
    portfolio: Portfolio,
    artifact: Artifact,
    competency_ids: Iterable[object],
    actor: User | None,
) -> Artifact:
    require_open(portfolio.enrollment)
    entries = _entries(portfolio, competency_ids)
    for entry in entries:
        begin_edit(session, enrollment_set_for(portfolio, entry.competency), actor)
    try:
        with session.begin_nested():
            portfolio.artifacts.append(artifact)
    except IntegrityError:
        # The same upload attached by a second request at the same moment.
        raise Conflict("This file was just added to your portfolio. Reload to see it.") from None
    for entry in entries:
        entry.artifacts.append(artifact)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ARTIFACT_ADDED,
        object_type="artifact",
        object_id=artifact.id,
        details={
            "kind": artifact.kind.value,
            "competencies": [entry.competency.code for entry in entries],
        },
    )
    return artifact


@contextmanager
def _or_conflict(session: Session) -> Iterator[None]:
    """Make the changes in a savepoint; the same change made by another request at the same
    moment (a link twice, a removal twice) becomes a Conflict instead of a database error."""
    try:
        with session.begin_nested():
            yield
    except (IntegrityError, StaleDataError):
        raise Conflict(CHANGED_MEANWHILE) from None


def _begin_edit_of_supported_sets(session: Session, artifact: Artifact, actor: User | None) -> None:
    """begin_edit for each set the artifact supports now. Competencies of a set the candidate
    no longer takes on the portfolio route do not hold the artifact back."""
    taken = {s.set_id: s for s in artifact.portfolio.enrollment.sets if s.route == Route.PORTFOLIO}
    supported = {entry.competency.set_id for entry in artifact.entries}
    for set_id in sorted(supported & taken.keys()):
        begin_edit(session, taken[set_id], actor)


def _entries(portfolio: Portfolio, competency_ids: Iterable[object]) -> list[PortfolioEntry]:
    """This portfolio's entries for the given competency ids; NotFound for any other id."""
    entries = entries_by_competency(portfolio)
    found = []
    for competency_id in dict.fromkeys(competency_ids):
        entry = None
        if is_row_id(competency_id):
            entry = entries.get(competency_id)
        if entry is None:
            raise NotFound("We could not find that competency in your portfolio.")
        found.append(entry)
    return found


def _texts(caption: object, description: object) -> tuple[str, str]:
    caption_text = clean_text(caption, field="caption", label="The caption", limit=MAX_CAPTION)
    caption_text = caption_text.strip()
    if not caption_text:
        raise InvalidInput("Give the artifact a caption.", field="caption")
    if "\n" in caption_text:
        raise InvalidInput("A caption is one line of text.", field="caption")
    description_text = clean_text(
        description, field="description", label="The description", limit=MAX_DESCRIPTION
    )
    return caption_text, description_text.strip()
