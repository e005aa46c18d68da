"""Emails to the people who act for a course's provider; they leave after the commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import CourseVersion, ProviderMember, User
from portfolio.services import outbox
from portfolio.services.links import page_url


def tell_provider(session: Session, version: CourseVersion, *, subject: str, body: str) -> None:
    """Queue one email to each member of the version's provider."""
    members = session.scalars(
        select(User)
        .join(ProviderMember, ProviderMember.user_id == User.id)
        .where(ProviderMember.provider_id == version.course.provider_id)
        .order_by(User.id)
    ).all()
    link = page_url(f"/provider/courses/{version.id}")
    for member in members:
        outbox.queue(
            session,
            to=member.email,
            subject=subject,
            body=(
                f"Hello {member.name},\n\n{body}\n\n"
                f"The course: {link or 'sign in to Portfolio and open your courses'}."
            ),
        )


def tell_evaluator(session: Session, evaluator: User, version: CourseVersion) -> None:
    link = page_url(f"/review/course-evaluations/{version.id}")
    outbox.queue(
        session,
        to=evaluator.email,
        subject=f"A course to evaluate: {version.title}",
        body=(
            f"Hello {evaluator.name},\n\nThe program office asks you to evaluate the course "
            f"{version.title} for {version.competency_set.code} {version.competency_set.name} "
            "against the course-approval rubric.\n\n"
            f"Open it: {link or 'sign in to Portfolio and open Reviews'}."
        ),
    )
