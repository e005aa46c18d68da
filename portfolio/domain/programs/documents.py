"""Framework documents: the checks a JSON Schema cannot express, and their canonical form.

A framework document (data/frameworks/*.yaml) is first validated against
data/frameworks/framework.schema.json; `check_framework` then checks what spans fields: unique
codes, the required sets named by the rules, the number of electives, and rubric level keys.
Every failure is a FrameworkFileError naming the bad field's path, e.g. `sets[2].code`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from portfolio.domain.errors import FrameworkFileError
from portfolio.domain.programs.rules import ProgramRules, rules_from_document

# The review and evaluation code rates every competency on exactly these levels.
RUBRIC_LEVEL_KEYS = ("met", "partially_met", "not_met")
REQUIRED = "required"
ELECTIVE = "elective"


def check_framework(document: Mapping[str, Any]) -> ProgramRules:
    """Check a schema-valid framework document; returns its parsed program rules.

    Raises FrameworkFileError for: a missing, repeated or unknown rubric level; a repeated set
    code; a competency code used twice anywhere in the framework; a per-competency rubric key
    that is not a level; rules naming unknown or elective sets as required, or leaving a
    required set out; more electives required than the framework has; any bad rules field.
    """
    level_keys = _check_levels(document["rubric"]["levels"])
    sets = document["sets"]
    _check_set_codes(sets)
    _check_competencies(sets, level_keys)
    rules = rules_from_document(document["rules"], "rules")
    _check_required_sets(sets, rules)
    electives = sum(1 for s in sets if s["kind"] == ELECTIVE)
    if rules.electives_required > electives:
        raise FrameworkFileError(
            f"asks for {rules.electives_required} electives but the framework has {electives}",
            "rules.electives_required",
        )
    return rules


def _check_levels(levels: list[Mapping[str, Any]]) -> set[str]:
    seen: set[str] = set()
    for i, level in enumerate(levels):
        if level["key"] in seen:
            raise FrameworkFileError(f'"{level["key"]}" appears twice', f"rubric.levels[{i}].key")
        seen.add(level["key"])
    missing = [key for key in RUBRIC_LEVEL_KEYS if key not in seen]
    if missing:
        raise FrameworkFileError(f"must define {', '.join(missing)}", "rubric.levels")
    return seen


def _check_set_codes(sets: list[Mapping[str, Any]]) -> None:
    first_use: dict[str, int] = {}
    for i, item in enumerate(sets):
        code = item["code"]
        if code in first_use:
            raise FrameworkFileError(
                f'"{code}" is already the code of sets[{first_use[code]}]', f"sets[{i}].code"
            )
        first_use[code] = i


def _check_competencies(sets: list[Mapping[str, Any]], level_keys: set[str]) -> None:
    first_use: dict[str, str] = {}
    for i, item in enumerate(sets):
        for j, competency in enumerate(item["competencies"]):
            where = f"sets[{i}].competencies[{j}]"
            code = competency["code"]
            if code in first_use:
                raise FrameworkFileError(
                    f'"{code}" is already used by {first_use[code]}', f"{where}.code"
                )
            first_use[code] = where
            for key in competency.get("rubric") or {}:
                if key not in level_keys:
                    raise FrameworkFileError(
                        f"is not a rubric level (levels: {', '.join(sorted(level_keys))})",
                        f"{where}.rubric.{key}",
                    )


def _check_required_sets(sets: list[Mapping[str, Any]], rules: ProgramRules) -> None:
    kinds = {item["code"]: item["kind"] for item in sets}
    listed: set[str] = set()
    for k, code in enumerate(rules.required_sets):
        where = f"rules.required_sets[{k}]"
        if code not in kinds:
            raise FrameworkFileError(f'"{code}" is not a set of this framework', where)
        if kinds[code] != REQUIRED:
            raise FrameworkFileError(f'"{code}" is an elective set, not a required one', where)
        if code in listed:
            raise FrameworkFileError(f'"{code}" is listed twice', where)
        listed.add(code)
    for i, item in enumerate(sets):
        if item["kind"] == REQUIRED and item["code"] not in listed:
            raise FrameworkFileError(
                f'"{item["code"]}" is a required set but rules.required_sets does not list it',
                f"sets[{i}].kind",
            )


def normalise_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical form of a schema-valid document: what exporting it after import gives.

    Optional text fields become "" when absent, `provisional` appears only when true, and a
    competency's `rubric` and the framework's `source` only when not empty.
    """
    doc = copy.deepcopy(dict(document))
    result: dict[str, Any] = {
        "slug": doc["slug"],
        "version": doc["version"],
        "name": doc["name"],
        "description": doc.get("description", ""),
    }
    if doc.get("source"):
        result["source"] = doc["source"]
    result["rubric"] = {
        "levels": [
            {"key": lv["key"], "label": lv["label"], "descriptor": lv.get("descriptor", "")}
            for lv in doc["rubric"]["levels"]
        ]
    }
    result["rules"] = doc["rules"]
    result["sets"] = [
        {
            "code": item["code"],
            "name": item["name"],
            "kind": item["kind"],
            "scope": item.get("scope", ""),
            "competencies": [_normalise_competency(c) for c in item["competencies"]],
        }
        for item in doc["sets"]
    ]
    return result


def _normalise_competency(competency: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "code": competency["code"],
        "title": competency["title"],
        "description": competency.get("description", ""),
    }
    if competency.get("provisional"):
        result["provisional"] = True
    if competency.get("rubric"):
        result["rubric"] = dict(competency["rubric"])
    return result


def same_content(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two normalised documents differ at most in their version number."""
    return {**a, "version": 0} == {**b, "version": 0}
