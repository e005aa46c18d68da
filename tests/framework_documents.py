"""Framework documents for tests: the shipped LSSCP file and small made-up frameworks."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

LSSCP_PATH = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "lsscp.yaml"


def rules_document(required_sets: list[str], electives_required: int) -> dict[str, Any]:
    """A complete rules document (LSSCP's numbers) for a small test framework."""
    rules = copy.deepcopy(RULES)
    rules.update(required_sets=required_sets, electives_required=electives_required)
    return rules


RULES: dict[str, Any] = {
    "required_sets": ["R1"],
    "electives_required": 1,
    "eligibility": {
        "experience_hours": 1820,
        "lookback_years": 5,
        "weekly_hours_cap": 40,
        "education": "high_school",
        "non_us_education_review": True,
    },
    "fees": {
        "currency": "USD",
        "standard_cents": 35000,
        "member_cents": 32500,
        "payment_instructions": "Pay by check to the program office.",
        "not_covered": "course tuition",
    },
    "completion_window_years": 4,
    "review": {
        "reviewers_per_portfolio": 2,
        "resubmissions_allowed": 1,
        "due_days": 21,
        "blind": True,
    },
    "pass_thresholds": {"min_met": 0.7, "max_partially_met": 0.3, "max_not_met": 0},
    "certificate_validity_years": 5,
    "renewal": {
        "ce_hours": 32,
        "ce_technology_hours": 4,
        "window_months_before_expiry": 12,
        "grace_months_after_expiry": 2,
    },
    "appeals": {
        "notice_days": 10,
        "grounds_days": 30,
        "office_response_days": 30,
        "committee_days": 30,
    },
}


def lsscp_document() -> dict[str, Any]:
    """A fresh copy of the shipped LSSCP framework file, parsed."""
    return copy.deepcopy(_parsed_lsscp())


@functools.cache
def _parsed_lsscp() -> dict[str, Any]:
    # Parsed once per run: PyYAML takes about 50 ms for this file, a deep copy under 1 ms, and
    # hundreds of tests start from it.
    return yaml.safe_load(LSSCP_PATH.read_text(encoding="utf-8"))


def small_document(
    slug: str = "demo", *, sets: int = 2, competencies: int = 2, version: int = 1
) -> dict[str, Any]:
    """A valid framework: set R1 is required, the others (E2, E3, ...) are electives."""
    items = []
    for n in range(1, sets + 1):
        code = "R1" if n == 1 else f"E{n}"
        items.append(
            {
                "code": code,
                "name": f"Set {code}",
                "kind": "required" if n == 1 else "elective",
                "scope": f"What {code} covers.",
                "competencies": [
                    {
                        "code": f"{code}-{i:02d}",
                        "title": f"Competency {code}-{i:02d}",
                        "description": f"Does the things of {code}-{i:02d}.",
                    }
                    for i in range(1, competencies + 1)
                ],
            }
        )
    rules = copy.deepcopy(RULES)
    rules["electives_required"] = min(1, sets - 1)
    return {
        "slug": slug,
        "version": version,
        "name": f"Program {slug}",
        "description": "A program for tests.",
        "rubric": {
            "levels": [
                {"key": "met", "label": "Met", "descriptor": "Fully shown."},
                {"key": "partially_met", "label": "Partially met", "descriptor": "Partly shown."},
                {"key": "not_met", "label": "Not met", "descriptor": "Not shown."},
            ]
        },
        "rules": rules,
        "sets": items,
    }
