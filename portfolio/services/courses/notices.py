"""Emails to the people who act for a course's provider; they leave after the commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.notifications import Kind
from portfolio.models import CourseVersion, ProviderMember, User
from portfolio.services.links import page_url
from portfolio.services.notifications import notify


def tell_provider(session: Session, version: CourseVersion, *, subject: str, body: str) -> None:
    """Queue one email to each member of the version's provider."""
    members = session.scalars(
        select(User)
        .join(ProviderMember, ProviderMember.user_id == User.id)
        .where(ProviderMember.provider_id == version.course.provider_id)
        .order_by(User.id)
    ).all()
    path = f"/provider/courses/{version.id}"
    link = page_url(path)
    for member in members:
        notify(
            session,
            user=member,
            kind=Kind.COURSE_APPROVAL,
            link=path,
            subject=subject,
            body=(
                f"Hello {member.name},\n\n{body}\n\n"
                f"The course: {link or 'sign in to Portfolio and open your courses'}."
            ),
        )


def tell_evaluator(session: Session, evaluator: User, version: CourseVersion) -> None:
    path = f"/review/course-evaluations/{version.id}"
    link = page_url(path)
    notify(
        session,
        user=evaluator,
        kind=Kind.COURSE_EVALUATION,
        link=path,
        subject=f"A course to evaluate: {version.title}",
        body=(
            f"Hello {evaluator.name},\n\nThe program office asks you to evaluate the course "
            f"{version.title} for {version.competency_set.code} {version.competency_set.name} "
            "against the course-approval rubric.\n\n"
            f"Open it: {link or 'sign in to Portfolio and open Reviews'}."
        ),
    )
