"""Fixtures and helpers for application, enrollment, payment and supervisor tests.

The fixtures are a plugin (tests/conftest.py's pytest_plugins): ask for them by name; import
only the helpers. Fixtures commit (a savepoint of the test's outer transaction,
still rolled back at the end), so a request answered with an error, which rolls back, does not
take the test's data with it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import Application, Enrollment, Framework, Role, User
from portfolio.models.base import utcnow
from portfolio.services.programs.versions import import_framework, publish_framework
from tests.framework_documents import lsscp_document, small_document
from tests.helpers import csrf_token, login_as, make_user, post_form

ELECTIVES = ["ACCESS", "ADULT", "CAT"]  # three of LSSCP's seven electives


def today() -> date:
    return utcnow().date()


def publish(session: Session, document: dict[str, Any]) -> Framework:
    framework = import_framework(session, document, actor=None).framework
    publish_framework(session, framework, actor=None)
    session.commit()
    return framework


@pytest.fixture
def lsscp(session: Session) -> Framework:
    """LSSCP version 1, imported from data/frameworks/lsscp.yaml and published."""
    return publish(session, lsscp_document())


@pytest.fixture
def other_program(session: Session) -> Framework:
    """A second published program, with electives E2 and E3 (codes unknown to LSSCP)."""
    return publish(session, small_document("other", sets=3))


def committed_user(session: Session, email: str, name: str, *roles: Role) -> User:
    user = make_user(session, email, name=name, roles=roles)
    session.commit()
    return user


@pytest.fixture
def candidate(session: Session) -> User:
    return committed_user(session, "cand@example.org", "Casey Candidate", Role.CANDIDATE)


@pytest.fixture
def other_candidate(session: Session) -> User:
    return committed_user(session, "other@example.org", "Olive Other", Role.CANDIDATE)


@pytest.fixture
def admin(session: Session) -> User:
    return committed_user(session, "office@example.org", "Ada Admin", Role.ADMINISTRATOR)


def entry(number: int = 0, **values: str) -> dict[str, str]:
    """Form fields of experience entry `number`: by default 3 years, ongoing, 20 hours a week."""
    fields = {
        "library": "Springfield Public Library",
        "library_type": "public",
        "role": "Circulation assistant",
        "paid": "paid",
        "start_date": (today() - timedelta(days=3 * 365)).isoformat(),
        "end_date": "",
        "hours_per_week": "20",
    } | values
    return {f"entries-{number}-{key}": value for key, value in fields.items()}


def complete_form(**values: str) -> dict[str, str]:
    """Every answer of a complete, eligible application (one entry), with `values` laid over."""
    return {
        "phone": "555-0100",
        "address": "12 Elm Street",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
        "has_diploma": "yes",
        "education_country": "US",
        "member_number": "",
        "payment_plan": "fee",
        "scholarship_key": "",
        "supervisor_email": "",
        **entry(),
    } | values


def application_url(application_id: int) -> str:
    return f"/me/applications/{application_id}"


def start(client: FlaskClient, slug: str = "lsscp") -> int:
    """Start an application through the form; the id of the draft."""
    response = post_form(client, "/me/applications", {"program": slug}, page="/me/")
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/me/applications/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def current_version(client: FlaskClient, application_id: int) -> str:
    page = client.get(application_url(application_id)).get_data(as_text=True)
    match = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
        r'id="version" name="version" type="hidden" value="(\d+)"', page
    )
    assert match, "no version field on the application page"
    return match.group(1)


def save(
    client: FlaskClient, application_id: int, data: dict[str, str], action: str = "save"
) -> Any:
    """Post the application form (with the current version) and press `action`."""
    url = application_url(application_id)
    form = {"version": current_version(client, application_id), "action": action, **data}
    return client.post(url, data={"csrf_token": csrf_token(client, url), **form})


def submitted_application(client: FlaskClient, user: User, **values: str) -> int:
    """Sign `user` in, fill a complete application and submit it; its id."""
    login_as(client, user)
    application_id = start(client)
    response = save(client, application_id, complete_form(**values), action="submit")
    assert response.status_code == 302
    assert "check=1" not in response.headers["Location"], "the application was not complete"
    return application_id


UNPAID_REASON = "The fee is settled outside these tests."


def approve(
    client: FlaskClient, admin_user: User, application_id: int, reason: str = "Welcome."
) -> Any:
    login_as(client, admin_user)
    url = f"/admin/applications/{application_id}"
    # The fee is not what these tests are about: approve with the balance due, saying why.
    data = {"decision-outcome": "approve", "decision-reason": reason}
    data["decision-unpaid_reason"] = UNPAID_REASON
    return post_form(client, f"{url}/decision", data, page=url)


def enrollment_of(session: Session, user: User) -> Enrollment:
    enrollment = session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
    assert enrollment is not None
    return enrollment


def application_row(session: Session, application_id: int) -> Application:
    session.expire_all()
    application = session.get(Application, application_id)
    assert application is not None
    return application
