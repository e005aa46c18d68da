"""Course approval as rules: what a complete application holds, the approval term, the rubric.

A provider applies for one competency set; the application counts only when it has a syllabus,
instructor résumés, its instructional and assessment methods, and a map that ties readings or
assignments and an assessment to every competency of the set (LSSCP.md, course approval).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from portfolio.domain.dates import add_years
from portfolio.domain.errors import InvalidInput
from portfolio.domain.programs.rules import CourseApprovalRules
from portfolio.domain.reviewing.assignment import same_library
from portfolio.domain.text import without_bidi_controls

MAX_TITLE = 200
MAX_TEXT = 10_000  # description, methods
MAX_MAP_TEXT = 4_000  # each cell of the competency map
MAX_LISTED = 5  # unmapped competencies named in one message


@dataclass(frozen=True)
class MapEntry:
    """How the course covers one competency."""

    readings: str = ""
    assignments: str = ""
    assessments: str = ""

    @property
    def covers(self) -> bool:
        """Taught (readings or assignments) and checked (an assessment)."""
        return bool(
            (self.readings.strip() or self.assignments.strip()) and self.assessments.strip()
        )


@dataclass(frozen=True)
class CompetencyRef:
    code: str
    title: str


def clean_text(value: object, *, field: str, label: str, limit: int, required: bool) -> str:
    """The text without surrounding space or bidi controls; InvalidInput on `field` when missing
    or too long."""
    text = without_bidi_controls(value).strip() if isinstance(value, str) else ""
    if required and not text:
        raise InvalidInput(f"Enter {label}.", field=field)
    if len(text) > limit:
        raise InvalidInput(f"Use at most {limit:,} characters for {label}.", field=field)
    return text


def unmapped(competencies: Sequence[CompetencyRef], entries: Mapping[str, MapEntry]) -> list[str]:
    """Codes of the set's competencies the map does not cover, in the set's order."""
    return [c.code for c in competencies if not entries.get(c.code, MapEntry()).covers]


def unmapped_message(set_code: str, missing: Sequence[str]) -> str:
    shown = ", ".join(missing[:MAX_LISTED])
    more = len(missing) - MAX_LISTED
    if more > 0:
        shown += f" and {more} more"
    return (
        f"The course must cover every competency of {set_code}: for {shown}, give readings or "
        "assignments and an assessment in the competency map."
    )


@dataclass(frozen=True)
class Application:
    """What submission needs to know about a draft course version."""

    set_code: str
    title: str
    has_syllabus: bool
    has_resumes: bool
    instructional_methods: str
    assessment_methods: str
    competencies: tuple[CompetencyRef, ...]
    entries: Mapping[str, MapEntry]


def submission_problems(application: Application) -> dict[str, str]:
    """Every reason the draft cannot be submitted yet (field -> message); empty when complete."""
    problems: dict[str, str] = {}
    if not application.title.strip():
        problems["title"] = "Enter the course's title."
    if not application.has_syllabus:
        problems["syllabus"] = (
            "Upload the syllabus, with its readings, and wait until it is checked."
        )
    if not application.has_resumes:
        problems["resumes"] = "Upload the instructors' résumés and wait until they are checked."
    if not application.instructional_methods.strip():
        problems["instructional_methods"] = "Describe the instructional methods."
    if not application.assessment_methods.strip():
        problems["assessment_methods"] = "Describe how learning is assessed."
    missing = unmapped(application.competencies, application.entries)
    if missing:
        problems["competency_map"] = unmapped_message(application.set_code, missing)
    return problems


def approval_until(approved_on: date, rules: CourseApprovalRules) -> date:
    """The last day of a new approval (the approval term is rule data)."""
    return add_years(approved_on, rules.approval_years)


def approval_ended(approved_until: date | None, today: date) -> bool:
    """Whether an approval's term has run out: from the day after its last day. Nothing has to
    run for that to hold (no job marks it): the catalogue, the provider pages and completions
    compare the same dates, so a course stops being offered and counting on that day."""
    return approved_until is not None and approved_until < today


def renewed_until(approved_until: date, rules: CourseApprovalRules) -> date:
    """A renewal adds another term to the current end (never less than it was)."""
    return add_years(approved_until, rules.renewal_years)


def rubric_ratings(raw: Mapping[str, object], rules: CourseApprovalRules) -> dict[str, str]:
    """One level per rubric criterion, or InvalidInput naming the first criterion not rated."""
    levels = set(rules.level_keys())
    ratings: dict[str, str] = {}
    problems: dict[str, str] = {}
    for criterion in rules.rubric_criteria:
        value = raw.get(criterion.key)
        if not isinstance(value, str) or value not in levels:
            problems[f"rating-{criterion.key}"] = f"Rate “{criterion.label}”."
        else:
            ratings[criterion.key] = value
    if problems:
        raise InvalidInput.listing(problems)
    return ratings


def evaluator_conflict(
    *, reviewer_organisation: str | None, provider_name: str, acts_for_provider: bool
) -> str | None:
    """Why this reviewer may not evaluate the provider's course, or None.

    A reviewer's organisation is the library or institution on their reviewer profile; it is
    the provider's when the names match ignoring case and spaces (as for libraries in reviews).
    """
    if acts_for_provider:
        return "They act for this provider, so they cannot evaluate its course."
    if same_library(reviewer_organisation, provider_name):
        return (
            f"They work at {provider_name}, the course's provider: a conflict of interest. "
            "Choose another evaluator."
        )
    return None
