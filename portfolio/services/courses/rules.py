"""The course-approval rules of a framework version (its rules document's `courses` section)."""

from __future__ import annotations

from portfolio.domain.errors import Conflict
from portfolio.domain.programs.rules import CourseApprovalRules, rules_from_document
from portfolio.models import Framework

NO_COURSES = (
    "This program's rules do not say how courses are approved (fee, term, rubric), so it "
    "approves no courses yet. The program office can add them to a new framework version."
)


def course_rules(framework: Framework, *, required: bool) -> CourseApprovalRules | None:
    """The rules, or None when the program approves no courses (Conflict if `required`)."""
    rules = rules_from_document(framework.rules).courses
    if rules is None and required:
        raise Conflict(NO_COURSES)
    return rules
