"""People of every role with API tokens, and things of their own, for the JSON API's tests
(tests/integration/test_api_*.py on the rolled-back session, tests/web/test_api_schemathesis.py
on the live server, committed).

Not a plugin: import `api_world` and call it with a session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from portfolio.domain.accounts.api_tokens import allowed_scopes
from portfolio.models import (
    Application,
    ApplicationStatus,
    Artifact,
    ArtifactKind,
    Assignment,
    Certificate,
    Enrollment,
    Portfolio,
    PortfolioEntry,
    Role,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.accounts import api_tokens
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import make_user
from tests.review_fixtures import make_candidate, make_world

ROLES = ("candidate", "other", "reviewer", "administrator", "supervisor", "provider")


@dataclass
class ApiWorld:
    users: dict[str, User]
    tokens: dict[str, str]  # role -> token with every scope the role allows
    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # owner -> kind -> id


def token_for(session: Session, user: User, scopes: list[str] | None = None, days: int = 30) -> str:
    chosen = scopes if scopes is not None else sorted(allowed_scopes(map(str, user.role_names)))
    made = api_tokens.create_token(
        session, user, name="test", scopes=chosen, lifetime_days=days, now=utcnow()
    )
    return made.secret


def _evidence(session: Session, enrollment: Enrollment) -> dict[str, int]:
    portfolio = Portfolio(enrollment_id=enrollment.id, learning_statement="I learned.")
    session.add(portfolio)
    session.flush()
    competency = enrollment.framework.sets[0].competencies[0]
    artifact = Artifact(
        portfolio_id=portfolio.id,
        kind=ArtifactKind.LINK,
        caption="A reading list",
        url="https://example.org/list",
    )
    entry = PortfolioEntry(
        portfolio_id=portfolio.id, competency_id=competency.id, narrative="I did."
    )
    entry.artifacts = [artifact]
    session.add_all([artifact, entry])
    session.flush()
    return {"portfolio": portfolio.id, "entry": entry.id, "artifact": artifact.id}


def api_world(session: Session) -> ApiWorld:
    """A candidate with a submitted set reviewed by two reviewers, a certificate and evidence;
    a second candidate with their own; an administrator, a supervisor and a provider."""
    world = make_world(session, reviewers=2)
    assignments.assign_for_submission(session, world.submission, clock.today())
    other, other_enrollment = make_candidate(
        session, world.framework, email="olive.other@example.org", name="Olive Other"
    )
    users = {
        "candidate": world.candidate,
        "other": other,
        "reviewer": world.reviewers[0],
        "other_reviewer": world.reviewers[1],
        "administrator": make_user(
            session, "ada.admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,)
        ),
        "supervisor": make_user(
            session, "sam.super@example.org", name="Sam Super", roles=(Role.SUPERVISOR,)
        ),
        "provider": make_user(
            session, "pia.provider@example.org", name="Pia Provider", roles=(Role.PROVIDER,)
        ),
    }
    ids: dict[str, dict[str, int]] = {}
    for who, enrollment in (("candidate", world.enrollment), ("other", other_enrollment)):
        application = session.get(Application, enrollment.application_id)
        assert application is not None and application.status == ApplicationStatus.APPROVED
        certificate = Certificate(
            number=f"T-{who}-{enrollment.id}",
            enrollment_id=enrollment.id,
            user_id=enrollment.user_id,
            framework_id=enrollment.framework_id,
            issued_on=clock.today(),
            expires_on=clock.today() + timedelta(days=5 * 365),
        )
        session.add(certificate)
        session.flush()
        ids[who] = {
            "application": application.id,
            "enrollment": enrollment.id,
            "certificate": certificate.id,
            **_evidence(session, enrollment),
        }
    for who in ("reviewer", "other_reviewer"):
        found = session.query(Assignment).filter_by(reviewer_id=users[who].id).one()
        ids[who] = {"assignment": found.id}
    tokens = {who: token_for(session, user) for who, user in users.items()}
    return ApiWorld(users, tokens, ids)


def expired_at(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    """The body of an RFC 9457 problem answer with `status`, after checking it is one."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("http")
    return body


# Stands for the object's current version in a test's request body (with_version fills it in).
VERSION = object()


def with_version(body: dict[str, Any], version: int) -> dict[str, Any]:
    """`body` with VERSION replaced by `version`, read from the API just before."""
    return {key: version if value is VERSION else value for key, value in body.items()}
