"""Course providers and course applications for tests, built straight in the database."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from portfolio.domain.courses.approval import MapEntry
from portfolio.domain.programs.rules import CourseApprovalRules, rules_from_document
from portfolio.models import CourseVersion, Framework, Provider, Role, User
from portfolio.services.courses import applications, decisions, evaluations, providers
from portfolio.web import clock
from tests.framework_documents import lsscp_document
from tests.helpers import make_user
from tests.portfolio_fixtures import make_upload
from tests.review_fixtures import make_framework

PROVIDER_NAME = "Prairie Library School"


def course_rules() -> dict[str, Any]:
    """The shipped program's course-approval rules ($100 for 4 years, renewal $100 for 4)."""
    return copy.deepcopy(lsscp_document()["rules"]["courses"])


def course_framework(session: Session) -> Framework:
    """The review tests' small program (CORE with C1-C3, OTHER with O1), approving courses."""
    framework = make_framework(session)
    framework.rules = {**framework.rules, "courses": course_rules()}
    session.flush()
    return framework


def make_provider(
    session: Session,
    *,
    name: str = PROVIDER_NAME,
    email: str = "pat.provider@example.org",
    member_name: str = "Pat Provider",
) -> tuple[Provider, User]:
    """A registered provider and the person acting for it."""
    user = make_user(session, email, name=member_name)
    provider = providers.register_provider(session, user, name=name, kind="library_school")
    return provider, user


def full_map(version: CourseVersion, *, leave_out: tuple[str, ...] = ()) -> dict[int, MapEntry]:
    return {
        c.id: MapEntry(f"Readings for {c.code}", f"Assignment on {c.code}", f"Quiz on {c.code}")
        for c in version.competency_set.competencies
        if c.code not in leave_out
    }


def complete_draft(
    session: Session,
    provider: Provider,
    member: User,
    framework: Framework,
    *,
    title: str = "Cataloguing Essentials",
    leave_out: tuple[str, ...] = (),
    set_code: str = "CORE",
) -> CourseVersion:
    """A draft with verified files, methods and a map (leaving out some competencies)."""
    core = next(s for s in framework.sets if s.code == set_code)
    version = applications.start_course(
        session, provider, set_id=core.id, title=title, actor=member
    )
    applications.save_draft(
        session,
        version,
        fields={
            "title": title,
            "description": "Six weeks of cataloguing practice.",
            "format": "online",
            "instructional_methods": "Weekly readings, discussion and guided practice.",
            "assessment_methods": "A quiz per competency and a final project.",
        },
        course_map=full_map(version, leave_out=leave_out),
        actor=member,
    )
    for which in applications.DOCUMENTS:
        upload = make_upload(session, member, name=f"{which}.pdf")
        applications.attach_document(
            session, version, which=which, upload_id=upload.id, actor=member
        )
    return version


def approved_and_waiting(
    session: Session, framework: Framework, *, admin: User, evaluator: User, set_code: str
) -> User:
    """A provider (returned: the person acting for it) with one course approved and one
    waiting for `evaluator`'s evaluation, both for `set_code`."""
    provider, member = make_provider(session, email="provider@example.org")
    today = clock.today()
    for title in ("Approved Course", "Waiting Course"):
        version = complete_draft(
            session, provider, member, framework, title=title, set_code=set_code
        )
        applications.submit_version(session, version, actor=member, today=today)
        evaluations.assign_evaluator(session, version, evaluator_id=evaluator.id, actor=admin)
    first = provider.courses[0].versions[0]
    first_evaluation = first.evaluations[0]
    evaluations.submit_evaluation(
        session,
        first_evaluation,
        ratings={c.key: "meets" for c in course_rules_of(framework).rubric_criteria},
        comment="Good.",
        actor=evaluator,
    )
    decisions.approve(session, first, actor=admin, today=today)
    return member


def course_rules_of(framework: Framework) -> CourseApprovalRules:
    rules = rules_from_document(framework.rules).courses
    assert rules is not None
    return rules


def make_admin(session: Session, email: str = "office@example.org") -> User:
    return make_user(session, email, name="Olive Office", roles=(Role.ADMINISTRATOR,))
