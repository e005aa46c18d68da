"""The demo's approved courses: a provider with two approved courses (approval itself is the
office's work on its own pages; the demo writes the approved versions directly), and the demo
candidate's TECH set met through the provider's CSV roster, imported by the roster service as
the provider's page would. It only flushes; `flask demo` commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.dates import add_years
from portfolio.models import (
    Course,
    CourseCompetencyMap,
    CourseFormat,
    CourseVersion,
    CourseVersionStatus,
    Enrollment,
    Framework,
    Provider,
    ProviderKind,
    ProviderMember,
    User,
)
from portfolio.services.courses import rosters

PROVIDER_NAME = "State Library Academy"
PROVIDER_SLUG = "state-library-academy"
ROSTER_SET = "TECH"
# (set code, title, format, synchronous, description)
COURSES = (
    (
        "TECH",
        "Library Technology Basics",
        CourseFormat.ONLINE,
        False,
        "Eight weeks online, at your own pace: the library's systems, devices and online "
        "services, and helping patrons use them.",
    ),
    (
        "REF",
        "Reference Services Foundations",
        CourseFormat.HYBRID,
        True,
        "Weekly live sessions and two in-person workshops: the reference interview, sources "
        "and referrals.",
    ),
)


def build_demo_courses(
    session: Session, provider_person: User, enrollment: Enrollment, today: date
) -> list[str]:
    framework = enrollment.framework
    provider = _provider(session, provider_person)
    made = [_approved_course(session, provider, framework, *spec, today) for spec in COURSES]
    tech = next(c for c in made if c.course.set_code == ROSTER_SET)
    candidate = enrollment.user
    roster = (
        "candidate,course,completed_on\n"
        f"{candidate.email},{tech.course_id},{(today - timedelta(days=30)).isoformat()}\n"
    )
    result = rosters.import_roster(
        session,
        provider,
        data=roster.encode(),
        name="spring-cohort.csv",
        actor=provider_person,
        today=today,
    )
    if not result.ok:
        problems = "; ".join(e.describe() for e in result.errors)
        raise RuntimeError(f"The demo roster did not import: {problems}")
    return [
        f"  {provider_person.email} acts for {PROVIDER_NAME}: "
        + ", ".join(f"{v.title} ({v.course.set_code})" for v in made)
        + " approved, in the catalogue at /courses",
        f"  {candidate.email}: {ROSTER_SET} met by {tech.title}, reported on "
        f"{PROVIDER_NAME}'s roster",
    ]


def _provider(session: Session, person: User) -> Provider:
    provider = session.scalar(select(Provider).where(Provider.slug == PROVIDER_SLUG))
    if provider is None:
        provider = Provider(
            name=PROVIDER_NAME,
            slug=PROVIDER_SLUG,
            kind=ProviderKind.STATE_LIBRARY,
            website="https://library.example/academy",
            description="Continuing education for library staff across the state.",
            created_by_id=person.id,
        )
        session.add(provider)
        session.flush()
    if all(m.user_id != person.id for m in provider.members):
        provider.members.append(ProviderMember(user_id=person.id, added_by_id=person.id))
        session.flush()
    return provider


def _approved_course(
    session: Session,
    provider: Provider,
    framework: Framework,
    set_code: str,
    title: str,
    course_format: CourseFormat,
    synchronous: bool,
    description: str,
    today: date,
) -> CourseVersion:
    competency_set = next(s for s in framework.sets if s.code == set_code)
    course = Course(
        provider_id=provider.id,
        framework_slug=framework.slug,
        set_code=set_code,
        created_by_id=provider.created_by_id,
    )
    session.add(course)
    session.flush()
    approved_on = today - timedelta(days=200)
    version = CourseVersion(
        course_id=course.id,
        number=1,
        set_id=competency_set.id,
        title=title,
        description=description,
        format=course_format,
        synchronous=synchronous,
        instructional_methods="Readings, discussion and hands-on exercises.",
        assessment_methods="An assignment and a practical check for each competency.",
        status=CourseVersionStatus.APPROVED,
        approved_on=approved_on,
        approved_until=add_years(approved_on, 4),
    )
    version.competency_map = [
        CourseCompetencyMap(
            competency_id=competency.id,
            readings=f"Readings on {competency.code}",
            assignments=f"Assignment on {competency.code}",
            assessments=f"Assessment of {competency.code}",
        )
        for competency in competency_set.competencies
    ]
    session.add(version)
    session.flush()
    session.refresh(course)
    return version
