"""Building review scenarios straight in the database: a small published framework, a candidate
with a submitted set (a frozen snapshot in the submissions service's format), and reviewers.

Nothing here goes through the candidate's pages, so review tests do not depend on them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from portfolio.domain.errors import CorruptSnapshot
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.portfolios.narrative import RENDERER_VERSION
from portfolio.domain.portfolios.snapshot_html import build_snapshot_html
from portfolio.domain.portfolios.snapshots import read_snapshot, snapshot_sha256
from portfolio.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Competency,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    ExperienceRecord,
    Framework,
    FrameworkStatus,
    ReviewerProfile,
    ReviewerQualification,
    Role,
    Route,
    RubricDescriptor,
    RubricLevel,
    SetKind,
    Submission,
    SubmissionStatus,
    User,
)
from portfolio.services.reviewing import scoring
from portfolio.web import clock
from tests.framework_documents import rules_document
from tests.helpers import make_user

SLUG = "tstp"
CANDIDATE_LIBRARY = "Springfield Public Library"
RULES: dict[str, Any] = rules_document(["CORE"], 0)
LEVELS = (
    ("met", "Met", "Fully shown with a concrete example."),
    ("partially_met", "Partially met", "Shown in part, or only in general terms."),
    ("not_met", "Not met", "Missing or unrelated evidence."),
)
NARRATIVES = {
    "C1": "I catalogued **two hundred** donated books.",
    "C2": "I ran the summer reading club.",
    "C3": "I answered reference questions at the desk.",
}


@dataclass
class World:
    framework: Framework
    core: CompetencySet
    other: CompetencySet
    candidate: User
    enrollment: Enrollment
    enrollment_set: EnrollmentSet
    submission: Submission
    reviewers: list[User] = field(default_factory=list)

    @property
    def competencies(self) -> list[Competency]:
        return list(self.core.competencies)


def make_framework(session: Session, *, blind: bool = True, slug: str = SLUG) -> Framework:
    rules = copy.deepcopy(RULES)
    rules["review"]["blind"] = blind
    framework = Framework(
        slug=slug,
        version=1,
        name="Test Program",
        status=FrameworkStatus.PUBLISHED,
        rules=rules,
    )
    framework.rubric_levels = [
        RubricLevel(key=key, label=label, position=i, descriptor=text)
        for i, (key, label, text) in enumerate(LEVELS)
    ]
    core = CompetencySet(code="CORE", name="Core skills", kind=SetKind.REQUIRED, position=0)
    core.competencies = [
        Competency(code=code, title=f"Competency {code}", position=i)
        for i, code in enumerate(["C1", "C2", "C3"])
    ]
    core.competencies[0].descriptors = [
        RubricDescriptor(level_key="met", text="Catalogues independently, with examples.")
    ]
    other = CompetencySet(code="OTHER", name="Other skills", kind=SetKind.ELECTIVE, position=1)
    other.competencies = [Competency(code="O1", title="Competency O1", position=0)]
    framework.sets = [core, other]
    session.add(framework)
    session.flush()
    return framework


def snapshot(
    narratives: dict[str, str] | None = None, *, statement: str = "I grew a lot."
) -> dict[str, Any]:
    narratives = NARRATIVES if narratives is None else narratives
    return {
        "format": 1,
        "set": {"code": "CORE", "name": "Core skills"},
        "attempt": 1,
        "learning_statement": statement,
        "competencies": [
            {
                "code": code,
                "title": f"Competency {code}",
                "narrative": text,
                "artifacts": [
                    {
                        "id": 1,
                        "kind": "file",
                        "caption": f"Evidence for {code}",
                        "description": "",
                        "file": {
                            "key": f"c/1/{code}",
                            "sha256": f"{code:0<64}"[:64],
                            "size": 10,
                            "content_type": "application/pdf",
                            "original_name": f"{code.lower()}-report.pdf",
                        },
                    },
                    {
                        "id": 2,
                        "kind": "link",
                        "caption": "Blog post",
                        "description": "",
                        "url": "https://example.org/post",
                    },
                ],
            }
            for code, text in narratives.items()
        ],
    }


def make_candidate(
    session: Session,
    framework: Framework,
    *,
    email: str = "casey.candidate@example.org",
    name: str = "Casey Candidate",
    library: str = CANDIDATE_LIBRARY,
    today: date | None = None,
) -> tuple[User, Enrollment]:
    today = today or clock.today()
    candidate = make_user(session, email, name=name, roles=(Role.CANDIDATE,))
    application = Application(
        user_id=candidate.id, framework_id=framework.id, status=ApplicationStatus.APPROVED
    )
    application.experience = [
        ExperienceRecord(
            library=library,
            library_type="public",
            role="Library assistant",
            start_date=today - timedelta(days=900),
            end_date=None,
            hours_per_week=Decimal("40"),
        )
    ]
    session.add(application)
    session.flush()
    enrollment = Enrollment(
        user_id=candidate.id,
        framework_id=framework.id,
        application_id=application.id,
        enrolled_on=today - timedelta(days=30),
        window_ends_on=today + timedelta(days=4 * 365),
    )
    session.add(enrollment)
    session.flush()
    return candidate, enrollment


def make_submission(
    session: Session,
    enrollment_set: EnrollmentSet,
    *,
    attempt: int = 1,
    document: dict[str, Any] | None = None,
) -> Submission:
    frozen = document if document is not None else snapshot()
    fingerprint = snapshot_sha256(frozen)
    submission = Submission(
        enrollment_set=enrollment_set,
        attempt=attempt,
        submitted_by_id=enrollment_set.enrollment.user_id,
        snapshot=frozen,
        snapshot_sha256=fingerprint,
        snapshot_html=_html_of(frozen, fingerprint),
        snapshot_html_rendered_with=RENDERER_VERSION,
        status=SubmissionStatus.SUBMITTED,
    )
    session.add(submission)
    session.flush()
    return submission


def _html_of(document: dict[str, Any], fingerprint: str) -> dict[str, Any]:
    """The texts' HTML as submitting stores it ({} for a document that does not read: the
    corrupt-snapshot tests make those on purpose)."""
    try:
        return build_snapshot_html(read_snapshot(document, fingerprint), fingerprint)
    except CorruptSnapshot:
        return {}


def make_reviewer(
    session: Session,
    email: str,
    *,
    name: str | None = None,
    library: str = "Shelbyville Library",
    capacity: int = 3,
    sets: tuple[str, ...] = ("CORE",),
    slug: str = SLUG,
    roles: tuple[Role, ...] = (Role.REVIEWER,),
) -> User:
    user = make_user(session, email, name=name or email.split("@")[0].title(), roles=roles)
    profile = ReviewerProfile(user_id=user.id, capacity=capacity, library=library, active=True)
    profile.qualifications = [ReviewerQualification(framework_slug=slug, set_code=c) for c in sets]
    session.add(profile)
    session.flush()
    return user


def make_world(
    session: Session,
    *,
    reviewers: int = 2,
    blind: bool = True,
    status: SetLifecycle = SetLifecycle.SUBMITTED,
) -> World:
    """A published framework, a candidate whose CORE set is submitted, and `reviewers`
    qualified reviewers (not yet assigned: call assign_for_submission)."""
    framework = make_framework(session, blind=blind)
    core, other = framework.sets
    candidate, enrollment = make_candidate(session, framework)
    enrollment_set = EnrollmentSet(
        enrollment=enrollment, set_id=core.id, route=Route.PORTFOLIO, status=status
    )
    session.add(enrollment_set)
    session.flush()
    submission = make_submission(session, enrollment_set)
    people = [
        make_reviewer(session, f"reviewer{i + 1}@example.org", name=f"Reviewer Person{i + 1}")
        for i in range(reviewers)
    ]
    return World(framework, core, other, candidate, enrollment, enrollment_set, submission, people)


def rate(
    world: World, levels: dict[str, str] | str, *, comment: str = "Needs a concrete example."
) -> list[scoring.RatingInput]:
    """RatingInput for every competency of the set: one level for all, or per code."""
    return ratings_for(world.competencies, levels, comment=comment)


def ratings_for(
    competencies: list[Competency],
    levels: dict[str, str] | str,
    *,
    comment: str = "Needs a concrete example.",
) -> list[scoring.RatingInput]:
    result = []
    for competency in competencies:
        level = levels if isinstance(levels, str) else levels.get(competency.code)
        if level is None:
            continue
        result.append(scoring.RatingInput(competency.id, level, "" if level == "met" else comment))
    return result


def submit(
    session: Session,
    world: World,
    assignment: Assignment,
    levels: dict[str, str] | str,
    *,
    today: date | None = None,
    overall: str = "Thank you for a clear portfolio.",
) -> None:
    """Submit `assignment`'s review through the scoring service."""
    ratings = [
        r
        for r in rate(world, levels)
        if r.competency_id in {c.id for c in scoring.scope(session, assignment)}
    ]
    scoring.submit_review(
        session,
        assignment,
        reviewer=assignment.reviewer,
        version=assignment.version,
        ratings=ratings,
        overall_comment=overall,
        today=today or clock.today(),
    )


def needing_an_elective(session: Session, world: World) -> World:
    """The same world, but the program also needs an elective: meeting CORE does not certify,
    so the set's outcome can still be changed by an administrator."""
    world.framework.rules = {**world.framework.rules, "electives_required": 1}
    session.flush()
    return world
