"""Courses straight in the database: a provider with a member, approved course versions of the
test program's sets (approval itself is another page's work), a candidate taking a set, and a
verified upload to use as proof."""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import yaml
from sqlalchemy.orm import Session

from config import ROOT
from portfolio.domain.dates import add_years
from portfolio.models import (
    Course,
    CourseFormat,
    CourseVersion,
    CourseVersionStatus,
    Enrollment,
    EnrollmentSet,
    Framework,
    Provider,
    ProviderKind,
    ProviderMember,
    Role,
    Upload,
    UploadStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.web import clock
from tests.helpers import make_user
from tests.review_fixtures import make_candidate, make_framework

COURSE_RULES = yaml.safe_load((ROOT / "data/frameworks/lsscp.yaml").read_text())["rules"]["courses"]


def enable_courses(session: Session, framework: Framework) -> None:
    framework.rules = {**framework.rules, "courses": copy.deepcopy(COURSE_RULES)}
    session.flush()


def make_provider(
    session: Session,
    name: str = "State Library Academy",
    slug: str = "state-library-academy",
    member_email: str = "pat.provider@example.org",
) -> tuple[Provider, User]:
    member = make_user(session, member_email, name=f"{name} staff", roles=(Role.PROVIDER,))
    provider = Provider(name=name, slug=slug, kind=ProviderKind.STATE_LIBRARY)
    provider.members = [ProviderMember(user_id=member.id)]
    session.add(provider)
    session.flush()
    return provider, member


def make_course(
    session: Session,
    provider: Provider,
    framework: Framework,
    *,
    set_code: str = "CORE",
    title: str = "Library Technology Basics",
    approved_on: date | None = None,
    format: CourseFormat = CourseFormat.ONLINE,
    synchronous: bool = False,
    status: CourseVersionStatus = CourseVersionStatus.APPROVED,
) -> CourseVersion:
    approved_on = approved_on or clock.today() - timedelta(days=100)
    competency_set = next(s for s in framework.sets if s.code == set_code)
    course = Course(provider_id=provider.id, framework_slug=framework.slug, set_code=set_code)
    session.add(course)
    session.flush()
    version = CourseVersion(
        course_id=course.id,
        number=1,
        set_id=competency_set.id,
        title=title,
        description=f"{title}: a course for {competency_set.name}.",
        format=format,
        synchronous=synchronous,
        status=status,
        approved_on=approved_on if status is CourseVersionStatus.APPROVED else None,
        approved_until=add_years(approved_on, 4)
        if status is CourseVersionStatus.APPROVED
        else None,
    )
    session.add(version)
    session.flush()
    session.refresh(course)
    return version


def verified_upload(session: Session, owner: User, name: str = "certificate.pdf") -> Upload:
    upload = Upload(
        owner_id=owner.id,
        key=f"uploads/{secrets.token_hex(8)}",
        original_name=name,
        declared_size=1000,
        declared_sha256="0" * 64,
        status=UploadStatus.VERIFIED,
        size=1000,
        sha256="0" * 64,
        content_type="application/pdf",
        expires_at=utcnow() + timedelta(days=1),
    )
    session.add(upload)
    session.flush()
    return upload


@dataclass
class CourseWorld:
    framework: Framework
    provider: Provider
    member: User
    version: CourseVersion
    candidate: User
    enrollment: Enrollment
    item: EnrollmentSet  # the candidate's CORE set, route not chosen yet


def course_world(
    session: Session,
    *,
    email: str = "casey.candidate@example.org",
    framework: Framework | None = None,
    provider: Provider | None = None,
    member: User | None = None,
    version: CourseVersion | None = None,
) -> CourseWorld:
    if framework is None:
        framework = make_framework(session)
        enable_courses(session, framework)
    if provider is None or member is None:
        provider, member = make_provider(session)
    if version is None:
        version = make_course(session, provider, framework)
    candidate, enrollment = make_candidate(session, framework, email=email)
    core = next(s for s in framework.sets if s.code == "CORE")
    item = EnrollmentSet(enrollment=enrollment, set_id=core.id)
    session.add(item)
    session.flush()
    return CourseWorld(framework, provider, member, version, candidate, enrollment, item)
