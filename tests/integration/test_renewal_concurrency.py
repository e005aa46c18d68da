"""Two administrators approving the same renewal at the same instant: the certificate is
extended once, one new credential is signed, one approval is recorded; the other administrator
is told it was approved meanwhile (409), never a 500.

PostgreSQL only: real concurrent transactions on committed data (tests/committed_data.py), one
test client per administrator. Both requests are held at the renewal application's table lock
and let go together: only the row lock makes the second wait and then read the first's commit.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import add_years
from portfolio.models import (
    ActivityReview,
    AuditEvent,
    CeActivity,
    Certificate,
    EnrollmentStatus,
    IssuedCredential,
    RenewalApplication,
    Role,
)
from portfolio.models.base import utcnow
from portfolio.services.certification.numbers import new_number
from portfolio.web import clock
from tests.committed_data import backends_waiting_on, table_locked
from tests.helpers import csrf_token, login_as, make_user
from tests.review_fixtures import make_candidate, make_framework

pytestmark = pytest.mark.postgres_only


def test_two_approvals_at_once_extend_the_certificate_once(app, committed_engine):
    tag = uuid.uuid4().hex[:8]
    today = clock.today()
    old_expiry = today + timedelta(days=30)
    with app.app_context(), Session(committed_engine) as setup:
        framework = make_framework(setup, slug=f"renew-{tag}")
        holder, enrollment = make_candidate(setup, framework, email=f"h-{tag}@example.org")
        enrollment.status = EnrollmentStatus.CERTIFIED
        certificate = Certificate(
            number=new_number(),
            enrollment_id=enrollment.id,
            user_id=holder.id,
            framework_id=framework.id,
            issued_on=add_years(old_expiry, -5),
            expires_on=old_expiry,
        )
        setup.add(certificate)
        setup.flush()
        renewal = RenewalApplication(
            certificate_id=certificate.id,
            user_id=holder.id,
            cycle_expires_on=old_expiry,
            submitted_at=utcnow(),
        )
        setup.add(renewal)
        setup.flush()
        for title, hours, technology in (("Course", 2800, False), ("Tech day", 400, True)):
            setup.add(
                CeActivity(
                    certificate_id=certificate.id,
                    user_id=holder.id,
                    renewal_id=renewal.id,
                    title=title,
                    provider="Academy",
                    done_on=today - timedelta(days=10),
                    unit="workshop_hour",
                    amount_hundredths=hours,
                    on_technology=technology,
                    review=ActivityReview.ACCEPTED,
                )
            )
        admins = [
            make_user(setup, f"admin{n}-{tag}@example.org", roles=(Role.ADMINISTRATOR,))
            for n in range(2)
        ]
        setup.commit()
        certificate_id, renewal_id, version = certificate.id, renewal.id, renewal.version
        for admin in admins:
            setup.refresh(admin)
            setup.expunge(admin)

    page = f"/admin/renewals/{renewal_id}"
    clients = []
    for admin in admins:
        client = app.test_client()
        login_as(client, admin)
        clients.append((client, csrf_token(client, page)))
    statuses: list[int] = []
    bodies: list[str] = []

    def approve(n: int) -> None:
        client, token = clients[n]
        data = {"csrf_token": token, "version": str(version)}
        response = client.post(f"{page}/approve", data=data)
        statuses.append(response.status_code)
        bodies.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(2)]
    with table_locked(committed_engine, RenewalApplication.__tablename__):
        for thread in threads:
            thread.start()
        backends_waiting_on(committed_engine, RenewalApplication.__tablename__, count=2)
    for thread in threads:
        thread.join(30)

    assert sorted(statuses) == [302, 409]
    assert any("This renewal was approved on" in body for body in bodies)
    with Session(committed_engine) as check:
        certificate = check.get(Certificate, certificate_id)
        assert certificate.expires_on == add_years(old_expiry, 5)  # once, from the old expiry
        issued = check.scalar(
            select(func.count())
            .select_from(IssuedCredential)
            .where(IssuedCredential.certificate_id == certificate_id)
        )
        assert issued == 1
        approvals = check.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == AuditAction.RENEWAL_APPROVED,
                AuditEvent.object_id == str(renewal_id),
            )
        )
        assert approvals == 1
