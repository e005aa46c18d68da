"""Editing a draft framework version: its fields, rules, rubric, sets and competencies.

Every function refuses a published or retired version (Conflict, 409), checks its input
(InvalidInput, 422, naming the field), changes the draft, flushes and records an audit event.
Cross-field completeness (every required set listed, enough electives) is checked at publish.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.programs.rules import rules_from_document
from portfolio.models import Competency, CompetencySet, Framework, RubricDescriptor, SetKind, User
from portfolio.services import audit
from portfolio.services.programs.files import check_plain_data

READ_ONLY = "Published versions are read-only; create a new draft"
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def require_draft(framework: Framework) -> None:
    if not framework.is_editable:
        raise Conflict(READ_ONLY)


def update_details(
    session: Session, framework: Framework, *, name: str, description: str, actor: User | None
) -> None:
    require_draft(framework)
    framework.name = _text(name, "name", 200)
    framework.description = description.strip()
    _record(session, framework, AuditAction.FRAMEWORK_DETAILS_UPDATED, actor)


def update_rules(session: Session, framework: Framework, document: Any, actor: User | None) -> None:
    """Replace the rules document; raises FrameworkFileError naming the bad rules field."""
    require_draft(framework)
    check_plain_data(document, "rules")
    rules_from_document(document, "rules")
    framework.rules = dict(document)
    _record(session, framework, AuditAction.FRAMEWORK_RULES_UPDATED, actor)


def update_rubric_levels(
    session: Session,
    framework: Framework,
    levels: Mapping[str, tuple[str, str]],
    actor: User | None,
) -> None:
    """Set the label and default descriptor of each level named in `levels` (key -> pair)."""
    require_draft(framework)
    by_key = {level.key: level for level in framework.rubric_levels}
    labels = {}
    for key, (label, _descriptor) in levels.items():
        if key not in by_key:
            raise InvalidInput("is not a rubric level of this framework", field=key)
        labels[key] = _text(label, f"{key}-label", 60)
    for key, (_label, descriptor) in levels.items():
        by_key[key].label = labels[key]
        by_key[key].descriptor = descriptor.strip()
    _record(session, framework, AuditAction.FRAMEWORK_RUBRIC_UPDATED, actor)


def add_set(
    session: Session,
    framework: Framework,
    *,
    code: str,
    name: str,
    kind: str,
    scope: str,
    actor: User | None,
) -> CompetencySet:
    require_draft(framework)
    competency_set = CompetencySet(position=len(framework.sets))
    _fill_set(framework, competency_set, code, name, kind, scope)
    framework.sets.append(competency_set)
    _sync_required_sets(framework)
    _record(session, framework, AuditAction.FRAMEWORK_SET_ADDED, actor, set=competency_set.code)
    return competency_set


def update_set(
    session: Session,
    competency_set: CompetencySet,
    *,
    code: str,
    name: str,
    kind: str,
    scope: str,
    actor: User | None,
) -> None:
    framework = competency_set.framework
    require_draft(framework)
    old_code = competency_set.code
    _fill_set(framework, competency_set, code, name, kind, scope)
    _sync_required_sets(framework, renamed={old_code: competency_set.code})
    _record(session, framework, AuditAction.FRAMEWORK_SET_UPDATED, actor, set=competency_set.code)


def _fill_set(
    framework: Framework, competency_set: CompetencySet, code: str, name: str, kind: str, scope: str
) -> None:
    code = _code(code)
    if any(s.code == code for s in framework.sets if s is not competency_set):
        raise InvalidInput(f"Another set already has the code {code}.", field="code")
    try:
        set_kind = SetKind(kind)
    except ValueError:
        raise InvalidInput("must be required or elective", field="kind") from None
    name = _text(name, "name", 200)
    competency_set.code = code
    competency_set.name = name
    competency_set.kind = set_kind
    competency_set.scope = scope.strip()


def remove_set(session: Session, competency_set: CompetencySet, actor: User | None) -> None:
    framework = competency_set.framework
    require_draft(framework)
    framework.sets.remove(competency_set)
    _renumber(framework.sets)
    _sync_required_sets(framework)
    _record(session, framework, AuditAction.FRAMEWORK_SET_REMOVED, actor, set=competency_set.code)


def move_set(
    session: Session, competency_set: CompetencySet, offset: int, actor: User | None
) -> None:
    """Move a set `offset` places (-1 up, +1 down); nothing happens at either end."""
    framework = competency_set.framework
    require_draft(framework)
    _move(framework.sets, competency_set, offset)
    _record(session, framework, AuditAction.FRAMEWORK_SET_MOVED, actor, set=competency_set.code)


def add_competency(
    session: Session,
    competency_set: CompetencySet,
    fields: Mapping[str, Any],
    actor: User | None,
) -> Competency:
    """Add a competency at the end of a set. `fields`: code, title, description, provisional,
    and rubric (level key -> descriptor; empty text means the framework's default)."""
    framework = competency_set.framework
    require_draft(framework)
    competency = Competency(position=len(competency_set.competencies))
    _fill_competency(framework, competency, fields)
    competency_set.competencies.append(competency)
    _record(
        session,
        framework,
        AuditAction.FRAMEWORK_COMPETENCY_ADDED,
        actor,
        competency=competency.code,
    )
    return competency


def update_competency(
    session: Session, competency: Competency, fields: Mapping[str, Any], actor: User | None
) -> None:
    framework = competency.competency_set.framework
    require_draft(framework)
    _fill_competency(framework, competency, fields)
    _record(
        session,
        framework,
        AuditAction.FRAMEWORK_COMPETENCY_UPDATED,
        actor,
        competency=competency.code,
    )


def _fill_competency(
    framework: Framework, competency: Competency, fields: Mapping[str, Any]
) -> None:
    code = _code(fields["code"])
    for other_set in framework.sets:
        for other in other_set.competencies:
            if other is not competency and other.code == code:
                raise InvalidInput(
                    f"{other_set.code} already has a competency {code}; codes are unique "
                    "in a framework.",
                    field="code",
                )
    title = _text(fields["title"], "title", 200)
    levels = [level.key for level in framework.rubric_levels]
    rubric = {key: str(text).strip() for key, text in (fields.get("rubric") or {}).items()}
    for key in rubric:
        if key not in levels:
            raise InvalidInput("is not a rubric level of this framework", field=f"rubric-{key}")
    # Everything is checked before anything changes.
    competency.code = code
    competency.title = title
    competency.description = str(fields.get("description", "")).strip()
    competency.provisional = bool(fields.get("provisional", False))
    current = {d.level_key: d for d in competency.descriptors}
    for key in levels:
        text = rubric.get(key, "")
        if text and key in current:
            current[key].text = text
        elif text:
            competency.descriptors.append(RubricDescriptor(level_key=key, text=text))
        elif key in current:
            competency.descriptors.remove(current[key])


def remove_competency(session: Session, competency: Competency, actor: User | None) -> None:
    competency_set = competency.competency_set
    require_draft(competency_set.framework)
    competency_set.competencies.remove(competency)
    _renumber(competency_set.competencies)
    _record(
        session,
        competency_set.framework,
        AuditAction.FRAMEWORK_COMPETENCY_REMOVED,
        actor,
        competency=competency.code,
    )


def move_competency(
    session: Session, competency: Competency, offset: int, actor: User | None
) -> None:
    framework = competency.competency_set.framework
    require_draft(framework)
    _move(competency.competency_set.competencies, competency, offset)
    _record(
        session,
        framework,
        AuditAction.FRAMEWORK_COMPETENCY_MOVED,
        actor,
        competency=competency.code,
    )


def _move(items: list[Any], item: Any, offset: int) -> None:
    index = items.index(item)
    target = index + offset
    if 0 <= target < len(items):
        items[index].position, items[target].position = target, index
        items.sort(key=lambda x: x.position)  # in place: membership is unchanged


def _renumber(items: list[Any]) -> None:
    for position, item in enumerate(items):
        item.position = position


def _sync_required_sets(framework: Framework, renamed: Mapping[str, str] | None = None) -> None:
    """Keep rules.required_sets naming exactly the required sets, in their existing order."""
    renamed = renamed or {}
    required = [s.code for s in framework.sets if s.kind == SetKind.REQUIRED]
    listed = [renamed.get(code, code) for code in framework.rules.get("required_sets", [])]
    kept = [code for code in listed if code in required]
    framework.rules = {
        **framework.rules,
        "required_sets": kept + [code for code in required if code not in kept],
    }


def _code(value: str) -> str:
    code = value.strip()
    if not code:
        raise InvalidInput("Enter a code.", field="code")
    if len(code) > 30 or not CODE.fullmatch(code):
        raise InvalidInput(
            "Use up to 30 letters, digits, -, _ or ., starting with a letter or digit.",
            field="code",
        )
    return code


def _text(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput("This field is required.", field=field)
    if len(text) > limit:
        raise InvalidInput(f"Use at most {limit} characters.", field=field)
    return text


def _record(
    session: Session,
    framework: Framework,
    action: AuditAction,
    actor: User | None,
    **details: Any,
) -> None:
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="framework",
        object_id=framework.id,
        details={"slug": framework.slug, "version": framework.version, **details},
    )
