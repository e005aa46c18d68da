"""Framework versions as documents: writing a document's content into the models, and back.

`export_document(write_content(document))` gives the normalised document back exactly
(domain.programs.documents.normalise_document), which is what makes import and export round-trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portfolio.models import (
    Competency,
    CompetencySet,
    Framework,
    RubricDescriptor,
    RubricLevel,
    SetKind,
)

RULE_KEYS = (
    "required_sets",
    "electives_required",
    "eligibility",
    "fees",
    "completion_window_years",
    "met_sets_carry_over",
    "review",
    "pass_thresholds",
    "certificate_validity_years",
    "renewal",
    "notes",
)


def write_content(framework: Framework, doc: Mapping[str, Any]) -> None:
    """Fill a framework (without sets or levels) from a normalised document."""
    framework.name = doc["name"]
    framework.description = doc["description"]
    framework.rules = dict(doc["rules"])
    framework.extra = {"source": doc["source"]} if doc.get("source") else {}
    for position, level in enumerate(doc["rubric"]["levels"]):
        framework.rubric_levels.append(RubricLevel(position=position, **level))
    for position, item in enumerate(doc["sets"]):
        competency_set = CompetencySet(
            code=item["code"],
            name=item["name"],
            kind=SetKind(item["kind"]),
            scope=item["scope"],
            position=position,
        )
        for number, entry in enumerate(item["competencies"]):
            competency = Competency(
                code=entry["code"],
                title=entry["title"],
                description=entry["description"],
                provisional=entry.get("provisional", False),
                position=number,
            )
            competency.descriptors = [
                RubricDescriptor(level_key=key, text=text)
                for key, text in entry.get("rubric", {}).items()
            ]
            competency_set.competencies.append(competency)
        framework.sets.append(competency_set)


def export_document(framework: Framework) -> dict[str, Any]:
    """A framework version in exactly the file format (normalised: domain.programs.documents)."""
    level_order = {level.key: level.position for level in framework.rubric_levels}
    doc: dict[str, Any] = {
        "slug": framework.slug,
        "version": framework.version,
        "name": framework.name,
        "description": framework.description,
    }
    if framework.extra.get("source"):
        doc["source"] = dict(framework.extra["source"])
    doc["rubric"] = {
        "levels": [
            {"key": lv.key, "label": lv.label, "descriptor": lv.descriptor}
            for lv in framework.rubric_levels
        ]
    }
    doc["rules"] = ordered_rules(framework.rules)
    doc["sets"] = []
    for item in framework.sets:
        competencies = []
        for competency in item.competencies:
            entry: dict[str, Any] = {
                "code": competency.code,
                "title": competency.title,
                "description": competency.description,
            }
            if competency.provisional:
                entry["provisional"] = True
            descriptors = sorted(competency.descriptors, key=lambda d: level_order[d.level_key])
            if descriptors:
                entry["rubric"] = {d.level_key: d.text for d in descriptors}
            competencies.append(entry)
        doc["sets"].append(
            {
                "code": item.code,
                "name": item.name,
                "kind": item.kind.value,
                "scope": item.scope,
                "competencies": competencies,
            }
        )
    return doc


def ordered_rules(rules: Mapping[str, Any]) -> dict[str, Any]:
    """The rules document with its fields in the usual order (JSONB keeps its own order)."""
    rest = dict(rules)
    return {key: rest.pop(key) for key in RULE_KEYS if key in rest} | rest
