"""Framework versions: import, export, publish, retire, copy into a new draft, read rules.

Published versions never change (but for confirming a provisional competency, see
confirm_competency): enrolled candidates stay on the version they enrolled under,
so importing over a published version makes a new draft version instead, and publishing a new
version leaves the older ones published. Everything here flushes; the caller commits.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, NotFound
from portfolio.domain.programs.case import from_case, is_case_package, to_case
from portfolio.domain.programs.documents import same_content
from portfolio.domain.programs.rules import ProgramRules, rules_from_document
from portfolio.models import Competency, Framework, FrameworkStatus, User
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.programs.documents import export_document, write_content
from portfolio.services.programs.files import validate_document
from portfolio.services.programs.queries import get_framework, list_versions, next_version


class ImportOutcome(enum.StrEnum):
    CREATED = "created"
    REPLACED_DRAFT = "replaced_draft"
    NEW_DRAFT_VERSION = "new_draft_version"
    UP_TO_DATE = "up_to_date"


@dataclass(frozen=True)
class ImportResult:
    framework: Framework
    outcome: ImportOutcome
    message: str


def import_framework(session: Session, document: Any, actor: User | None) -> ImportResult:
    """Validate a framework document completely, then write it; nothing is written on error.

    A new slug or version is created as a draft. An existing draft of that version is replaced.
    A published or retired version is never changed: the document becomes a new draft version
    (highest version + 1), unless some version already holds exactly this content, in which
    case nothing changes (UP_TO_DATE). Raises FrameworkFileError naming the first bad field.
    A 1EdTech CASE package (domain.programs.case) is read into a framework document first.
    """
    if is_case_package(document):
        document = from_case(document)
    doc = validate_document(document)
    slug, version = doc["slug"], doc["version"]
    existing = get_framework(session, slug, version)
    if existing is not None and export_document(existing) == doc:
        return ImportResult(existing, ImportOutcome.UP_TO_DATE, _up_to_date(existing))
    if existing is not None and existing.is_editable:
        existing.sets.clear()
        existing.rubric_levels.clear()
        session.flush()  # the old rows go first: codes are unique within a framework
        write_content(existing, doc)
        return _imported(session, existing, ImportOutcome.REPLACED_DRAFT, actor, "Replaced draft")
    if existing is not None:
        twin = _version_with_content(session, doc)
        if twin is not None:
            return ImportResult(twin, ImportOutcome.UP_TO_DATE, _up_to_date(twin))
        version = next_version(session, slug)
    framework = Framework(slug=slug, version=version, status=FrameworkStatus.DRAFT)
    write_content(framework, doc)
    session.add(framework)
    if existing is not None:
        note = f"Version {existing.version} is {existing.status.value} and was not changed; "
        note += "created draft"
        return _imported(session, framework, ImportOutcome.NEW_DRAFT_VERSION, actor, note)
    return _imported(session, framework, ImportOutcome.CREATED, actor, "Created draft")


def _imported(
    session: Session, framework: Framework, outcome: ImportOutcome, actor: User | None, note: str
) -> ImportResult:
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.FRAMEWORK_IMPORTED,
        object_type="framework",
        object_id=framework.id,
        details={"slug": framework.slug, "version": framework.version, "outcome": outcome.value},
    )
    return ImportResult(framework, outcome, f"{note} {framework.slug} version {framework.version}.")


def _up_to_date(framework: Framework) -> str:
    return (
        f"{framework.slug} version {framework.version} ({framework.status.value}) "
        "is already up to date; nothing changed."
    )


def _version_with_content(session: Session, doc: Mapping[str, Any]) -> Framework | None:
    """A version of the same slug holding the same content, the newest published first."""
    candidates = sorted(
        list_versions(session, doc["slug"]),
        key=lambda f: (f.status == FrameworkStatus.PUBLISHED, f.version),
        reverse=True,
    )
    return next((f for f in candidates if same_content(export_document(f), doc)), None)


def export_framework(session: Session, slug: str, version: int | None = None) -> dict[str, Any]:
    """The document of `slug` at `version`, or by default its latest published version (else
    its latest version). Raises NotFound."""
    framework = get_framework(session, slug, version, include_drafts=True)
    if framework is None:
        what = f"{slug} version {version}" if version is not None else slug
        raise NotFound(f"There is no framework {what}.")
    return export_document(framework)


def export_case(session: Session, slug: str, version: int | None = None) -> dict[str, Any]:
    """As export_framework, as a CASE 1.1 package (domain.programs.case)."""
    framework = get_framework(session, slug, version, include_drafts=True)
    if framework is None:
        what = f"{slug} version {version}" if version is not None else slug
        raise NotFound(f"There is no framework {what}.")
    changed = framework.published_at or framework.created_at
    return to_case(
        export_document(framework),
        changed_at=changed.isoformat(timespec="seconds"),
        adopted=framework.status == FrameworkStatus.PUBLISHED,
    )


def publish_framework(session: Session, framework: Framework, actor: User | None) -> None:
    """Publish a draft after validating it in full; earlier published versions stay published.

    Raises Conflict unless it is a draft, and FrameworkFileError when it is incomplete.
    """
    if not framework.is_editable:
        raise Conflict(f"Version {framework.version} is already {framework.status.value}.")
    validate_document(export_document(framework))
    framework.status = FrameworkStatus.PUBLISHED
    framework.published_at = utcnow()
    session.flush()
    _record(session, framework, AuditAction.FRAMEWORK_PUBLISHED, actor)


def retire_framework(session: Session, framework: Framework, actor: User | None) -> None:
    """Take a published version off the list of programs. Raises Conflict unless published."""
    if framework.status != FrameworkStatus.PUBLISHED:
        raise Conflict("Only a published version can be retired.")
    framework.status = FrameworkStatus.RETIRED
    session.flush()
    _record(session, framework, AuditAction.FRAMEWORK_RETIRED, actor)


def confirm_competency(
    session: Session, framework: Framework, competency: Competency, actor: User | None
) -> None:
    """Confirm a provisional competency of a published version: from now on it is required
    and counts toward its set for everyone on this version.

    The one change a published version takes: the candidates enrolled under it are waiting for
    exactly this confirmation, and a new version would never reach them. Outcomes already
    recorded stay as they were decided. Conflict for a draft (edit the competency there) or a
    competency that is not provisional.
    """
    if framework.is_editable:
        raise Conflict("This version is a draft: untick Provisional in the competency's form.")
    if competency.competency_set.framework_id != framework.id:
        raise NotFound("We could not find that competency.")
    if not competency.provisional:
        raise Conflict(f"{competency.code} is already confirmed.")
    competency.provisional = False
    session.flush()
    _record(
        session, framework, AuditAction.FRAMEWORK_COMPETENCY_CONFIRMED, actor, code=competency.code
    )


def create_draft_from(session: Session, source: Framework, actor: User | None) -> Framework:
    """Copy a published (or retired) version into a new draft version for editing."""
    if source.is_editable:
        raise Conflict("This version is already a draft; edit it directly.")
    draft = Framework(
        slug=source.slug, version=next_version(session, source.slug), status=FrameworkStatus.DRAFT
    )
    write_content(draft, export_document(source))
    session.add(draft)
    session.flush()
    _record(session, draft, AuditAction.FRAMEWORK_DRAFT_CREATED, actor, from_version=source.version)
    return draft


def _record(
    session: Session,
    framework: Framework,
    action: AuditAction,
    actor: User | None,
    **details: Any,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="framework",
        object_id=framework.id,
        details={"slug": framework.slug, "version": framework.version, **details},
    )


def load_rules(framework: Framework) -> ProgramRules:
    """The framework version's program rules, typed. Raises FrameworkFileError if broken."""
    return rules_from_document(framework.rules)
