"""Two administrators awarding the last award of a pool at once (issue 13.2): one award stands,
the other is told the money is spent, and the pool is never overspent.

PostgreSQL only: two real connections race on the pool's row, with committed data.
"""

from __future__ import annotations

import re
import threading
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import (
    Application,
    ApplicationStatus,
    Role,
    ScholarshipAward,
    ScholarshipPool,
)
from portfolio.models.base import utcnow
from portfolio.services.programs.versions import import_framework, publish_framework
from tests.framework_documents import lsscp_document
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_database_faults import at_once

pytestmark = pytest.mark.postgres_only


def test_two_awards_at_once_cannot_overspend_a_pool(app, committed_engine):
    tag = uuid.uuid4().hex[:8]
    document = lsscp_document() | {"slug": f"pool-{tag}"}
    with Session(committed_engine) as setup:
        framework = import_framework(setup, document, actor=None).framework
        publish_framework(setup, framework, actor=None)
        admins = [
            make_user(setup, f"office{n}-{tag}@example.org", roles=(Role.ADMINISTRATOR,))
            for n in range(2)
        ]
        applications = []
        for n in range(2):
            person = make_user(setup, f"staff{n}-{tag}@example.org", roles=(Role.CANDIDATE,))
            application = Application(
                user_id=person.id,
                framework_id=framework.id,
                status=ApplicationStatus.SUBMITTED,
                submitted_at=utcnow(),
                awarding_body_member=True,
            )
            setup.add(application)
            applications.append(application)
        setup.flush()
        pool = ScholarshipPool(
            program_slug=framework.slug,
            scholarship_key="enrollment-achievement",
            name="One award left",
            total_cents=20000,
            awarded_cents=0,
            created_by_id=admins[0].id,
        )
        setup.add(pool)
        setup.commit()
        ids = [a.id for a in applications]
        pool_id = pool.id
        for admin in admins:
            setup.refresh(admin)
            setup.expunge(admin)
    clients, tokens = [], []
    for n, admin in enumerate(admins):
        client = app.test_client()
        login_as(client, admin)
        clients.append(client)
        tokens.append(csrf_token(client, f"/admin/applications/{ids[n]}"))
    replies: list[tuple[int, str]] = []

    def award(n: int) -> None:
        data = {
            "csrf_token": tokens[n],
            "scholarship-scholarship_key": "enrollment-achievement",
            "scholarship-note": "",
        }
        reply = clients[n].post(f"/admin/applications/{ids[n]}/scholarships", data=data)
        replies.append((reply.status_code, reply.get_data(as_text=True)))

    at_once(committed_engine, [threading.Thread(target=award, args=(n,)) for n in range(2)])

    assert sorted(status for status, _page in replies) == [302, 422]
    refused = next(page for status, page in replies if status == 422)
    assert "The money for the Enrollment Achievement Award is spent" in re.sub(r"\s+", " ", refused)
    with Session(committed_engine) as check:
        assert check.get(ScholarshipPool, pool_id).awarded_cents == 20000
        awards = check.scalars(
            select(ScholarshipAward).where(ScholarshipAward.application_id.in_(ids))
        ).all()
        assert len(awards) == 1 and awards[0].pool_id == pool_id
