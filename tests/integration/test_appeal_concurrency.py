"""A notice of intent sent twice at the same instant (a double click, two tabs) files one
appeal; the other tab is told it was filed already. PostgreSQL only: it needs committed data
and two connections (the sequential case is in test_appeals.py and runs on both)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.models import Appeal, AuditEvent
from tests.appeal_fixtures import decided_not_met
from tests.helpers import csrf_token, login_as
from tests.integration.test_review_concurrency import post_at_once


def test_one_notice_sent_twice_at_once_files_one_appeal(app, committed_engine):
    with app.app_context(), Session(committed_engine) as setup:
        aw = decided_not_met(setup)
        setup.commit()
        candidate, submission_id = aw.candidate, aw.submission_id
        setup.refresh(candidate)
        setup.expunge(candidate)
    url = f"/me/appeals/outcomes/{submission_id}/notice"
    posts = []
    for _tab in range(2):
        client = app.test_client()
        login_as(client, candidate)
        posts.append((client, url, {"csrf_token": csrf_token(client, "/me/appeals")}))

    replies = post_at_once(committed_engine, posts)

    assert sorted(status for status, _page in replies) == [302, 409]
    refused = next(page for status, page in replies if status == 409)
    assert "already filed a notice of intent" in refused
    with Session(committed_engine) as check:
        assert check.scalar(select(func.count(Appeal.id))) == 1
        notices = check.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == AuditAction.APPEAL_NOTICE_FILED
            )
        )
        assert notices == 1
