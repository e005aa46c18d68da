"""Enrolled candidates built straight in the database, for the portfolio and submission tests.

A small published framework (sets of two competencies), candidates enrolled with their sets on
the portfolio route, and verified (or not) uploads as rows. Nothing here uses the application
or enrollment pages, so these tests do not depend on them.

The fixtures are a plugin (tests/conftest.py's pytest_plugins): ask for them by name; import
only the helpers.
Fixtures commit (a savepoint of the test's outer transaction, still rolled back at the end),
so a request that fails and rolls back does not take the test's data with it.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portfolio.models import (
    Application,
    ApplicationStatus,
    Competency,
    CompetencySet,
    Enrollment,
    EnrollmentSet,
    Framework,
    FrameworkStatus,
    Portfolio,
    PortfolioEntry,
    Role,
    Route,
    SetKind,
    Upload,
    UploadStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.portfolios import artifacts
from portfolio.services.portfolios import entries as portfolios
from tests.framework_documents import rules_document
from tests.helpers import login_as, make_user

RULES: dict[str, Any] = rules_document(["S1"], 1)


@dataclass
class Candidate:
    user: User
    enrollment: Enrollment
    sets: list[EnrollmentSet]

    def portfolio(self, session: Session) -> Portfolio:
        return portfolios.ensure_portfolio(session, self.enrollment)

    def entry(self, session: Session, code: str) -> PortfolioEntry:
        """The entry of the competency with `code`."""
        for entry in self.portfolio(session).entries:
            if entry.competency.code == code:
                return entry
        raise AssertionError(f"no entry for {code}")


def make_framework(session: Session, *, slug: str = "pfx", sets: int = 2) -> Framework:
    """A published framework with `sets` sets (S1 required, the rest electives) of two
    competencies each (S1-1, S1-2, S2-1, ...)."""
    framework = Framework(
        slug=slug,
        version=1,
        name=f"Program {slug}",
        status=FrameworkStatus.PUBLISHED,
        rules=copy.deepcopy(RULES),
        published_at=utcnow(),
    )
    for n in range(1, sets + 1):
        competency_set = CompetencySet(
            code=f"S{n}",
            name=f"Set {n}",
            kind=SetKind.REQUIRED if n == 1 else SetKind.ELECTIVE,
            position=n,
        )
        competency_set.competencies = [
            Competency(code=f"S{n}-{i}", title=f"Competency {n}.{i}", position=i) for i in (1, 2)
        ]
        framework.sets.append(competency_set)
    session.add(framework)
    session.flush()
    return framework


def enroll(
    session: Session,
    framework: Framework,
    email: str,
    *,
    name: str = "Casey Candidate",
    route: Route = Route.PORTFOLIO,
    enrolled_on: date | None = None,
) -> Candidate:
    """A candidate with an approved application, enrolled in every set of `framework`."""
    user = make_user(session, email, name=name, roles=(Role.CANDIDATE,))
    application = Application(
        user=user, framework=framework, status=ApplicationStatus.APPROVED, has_diploma=True
    )
    session.add(application)
    session.flush()
    start = enrolled_on or utcnow().date() - timedelta(days=30)
    enrollment = Enrollment(
        user=user,
        framework=framework,
        application_id=application.id,
        enrolled_on=start,
        window_ends_on=start.replace(year=start.year + 4),
    )
    enrollment.sets = [
        EnrollmentSet(competency_set=competency_set, route=route)
        for competency_set in framework.sets
    ]
    session.add(enrollment)
    session.flush()
    if route == Route.PORTFOLIO:
        # As choosing the route does (services.enrollment.enroll.choose_route).
        portfolios.ensure_portfolio(session, enrollment)
    return Candidate(user=user, enrollment=enrollment, sets=list(enrollment.sets))


def make_upload(
    session: Session,
    owner: User,
    *,
    status: UploadStatus = UploadStatus.VERIFIED,
    name: str = "minutes.pdf",
    content: bytes = b"%PDF-1.7 minutes of the meeting",
) -> Upload:
    """An upload row as the uploads service leaves it (no object is needed for these tests)."""
    digest = hashlib.sha256(content).hexdigest()
    verified = status == UploadStatus.VERIFIED
    upload = Upload(
        owner_id=owner.id,
        key=f"candidates/{owner.id}/{uuid.uuid4().hex}",
        original_name=name,
        declared_size=len(content),
        declared_sha256=digest,
        status=status,
        size=len(content) if verified else None,
        sha256=digest if verified else None,
        content_type="application/pdf" if verified else None,
        rejection_reason="" if status != UploadStatus.REJECTED else "The type is not allowed.",
        expires_at=utcnow() + timedelta(days=1),
        verified_at=utcnow() if verified else None,
    )
    session.add(upload)
    session.flush()
    return upload


def fill_set(
    session: Session, candidate: Candidate, enrollment_set: EnrollmentSet, *, statement: bool = True
) -> None:
    """Give every competency of the set a narrative and a link, and write the statement."""
    portfolio = candidate.portfolio(session)
    if statement and not portfolio.learning_statement:
        portfolios.update_learning_statement(
            session, portfolio, "I learned to serve every reader.", portfolio.version
        )
    for competency in enrollment_set.competency_set.competencies:
        entry = candidate.entry(session, competency.code)
        portfolios.update_narrative(
            session, entry, f"How I met {competency.code}.", entry.version, actor=candidate.user
        )
        artifacts.add_link_artifact(
            session,
            portfolio,
            url=f"https://library.example/{competency.code}",
            caption=f"Evidence for {competency.code}",
            competency_ids=[competency.id],
            actor=candidate.user,
        )


@pytest.fixture
def framework(session: Session) -> Framework:
    framework = make_framework(session)
    session.commit()
    return framework


@pytest.fixture
def alice(session: Session, framework: Framework) -> Candidate:
    candidate = enroll(session, framework, "alice@example.org", name="Alice Archivist")
    candidate.portfolio(session)
    session.commit()
    return candidate


@pytest.fixture
def bob(session: Session, framework: Framework) -> Candidate:
    """A second candidate, whose ids Alice tries."""
    candidate = enroll(session, framework, "bob@example.org", name="Bob Bookbinder")
    candidate.portfolio(session)
    session.commit()
    return candidate


@pytest.fixture
def signed_in(client: FlaskClient, alice: Candidate) -> Candidate:
    """Alice, signed in on `client`."""
    login_as(client, alice.user)
    return alice


def textarea_value(page: str, name: str) -> str:
    """What the textarea named `name` holds on an HTML page, as the browser shows it."""
    match = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name!r} on the page"
    return html.unescape(match.group(1).removeprefix("\n").removeprefix("\r\n"))
