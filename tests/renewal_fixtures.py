"""A certified holder inside the renewal window, and the forms of the renewal pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portfolio.domain.dates import add_years
from portfolio.models import Certificate, Role, User
from portfolio.web import clock
from tests.helpers import csrf_token, make_user
from tests.integration.test_certificate_pages import certified

TODAY = clock.today()


@dataclass
class Holder:
    user: User
    certificate: Certificate

    @property
    def page(self) -> str:
        return f"/me/certificates/{self.certificate.id}/renewal"


def holder_in_window(session: Session, *, expires_in_days: int = 90) -> Holder:
    """A holder whose certificate expires in `expires_in_days` (90: inside the 12-month window)."""
    expires_on = TODAY + timedelta(days=expires_in_days)
    world, certificate = certified(
        session, issued_on=add_years(expires_on, -5) + timedelta(days=1), expires_on=expires_on
    )
    return Holder(world.candidate, certificate)


def another_holder(session: Session, first: Holder, email: str = "other@example.org") -> Holder:
    """A second holder of the same program (the first's framework), certificate made directly."""
    from portfolio.models import EnrollmentStatus
    from portfolio.services.certification.numbers import new_number
    from tests.review_fixtures import make_candidate

    framework = first.certificate.framework
    user, enrollment = make_candidate(session, framework, email=email)
    enrollment.status = EnrollmentStatus.CERTIFIED
    certificate = Certificate(
        number=new_number(),
        enrollment_id=enrollment.id,
        user_id=user.id,
        framework_id=framework.id,
        issued_on=first.certificate.issued_on,
        expires_on=first.certificate.expires_on,
    )
    session.add(certificate)
    session.commit()
    return Holder(user, certificate)


def an_admin(session: Session, email: str = "office@example.org") -> User:
    user = make_user(session, email, roles=(Role.ADMINISTRATOR,))
    session.commit()
    return user


def activity(**overrides: Any) -> dict[str, str]:
    fields = {
        "title": "Cataloging with RDA",
        "provider": "State Library Academy",
        "done_on": (TODAY - timedelta(days=30)).isoformat(),
        "unit": "semester_credit",
        "amount": "2",
        "on_technology": "",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v != ""}


def post_activity(client: FlaskClient, holder: Holder, **overrides: Any) -> Any:
    data = activity(**overrides)
    data["csrf_token"] = csrf_token(client, holder.page)
    return client.post(f"{holder.page}/activities", data=data)


def post(client: FlaskClient, form_page: str, url: str, **data: str) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, form_page), **data})


def today_minus(days: int) -> date:
    return TODAY - timedelta(days=days)
