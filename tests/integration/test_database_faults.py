"""The database failing in the middle of a request, and two people doing the same thing at once.

PostgreSQL only: the data is committed for real, a second connection terminates the request's
own connection at the moment it commits, and two threads race on one row (issue 10, section 2).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Enrollment,
    EnrollmentSet,
    Role,
    Submission,
)
from portfolio.models.base import utcnow
from portfolio.web.errors import DATABASE_DOWN
from tests.application_fixtures import (
    application_url,
    complete_form,
    current_version,
    publish,
    start,
)
from tests.committed_data import backends_waiting_on, table_locked
from tests.framework_documents import lsscp_document
from tests.helpers import csrf_token, login_as, make_user
from tests.portfolio_fixtures import enroll, fill_set, make_framework
from tests.review_fixtures import make_framework as review_framework

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def ready_to_submit(committed_engine):
    """A candidate whose first set is filled in and ready to submit (committed)."""
    tag = uuid.uuid4().hex[:8]
    with Session(committed_engine) as setup:
        framework = make_framework(setup, slug=f"fault-{tag}")
        candidate = enroll(setup, framework, f"fault-{tag}@example.org")
        fill_set(setup, candidate, candidate.sets[0])
        setup.commit()
        setup.refresh(candidate.user)
        user, set_id = candidate.user, candidate.sets[0].id
        setup.expunge(user)
        return user, set_id


@contextmanager
def connection_cut_at_commit(committed_engine) -> Iterator[list[int]]:
    """While active, every session commit first has its connection terminated by the server:
    the request's own commit, once the view has done all its work (and flashed its message),
    not a savepoint released on the way."""
    cut: list[int] = []

    def terminate(session: Session) -> None:
        if session.in_nested_transaction():
            return
        pid = session.connection().connection.dbapi_connection.info.backend_pid
        with committed_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()
        cut.append(pid)

    event.listen(Session, "before_commit", terminate)
    try:
        yield cut
    finally:
        event.remove(Session, "before_commit", terminate)


def at_once(engine, threads: list[threading.Thread]) -> None:
    """Run requests so that they surely overlap: the audit table is held until each has got as
    far as its audit row or is waiting for a row another one holds; then all go on."""
    with table_locked(engine, AuditEvent.__tablename__):
        for thread in threads:
            thread.start()
        backends_waiting_on(engine, count=len(threads))
    for thread in threads:
        thread.join(30)


def set_status(engine, set_id: int) -> str:
    with Session(engine) as check:
        return str(check.get(EnrollmentSet, set_id).status)


def test_a_connection_lost_at_commit_says_nothing_was_saved_and_claims_no_success(
    app, committed_engine, ready_to_submit
):
    user, set_id = ready_to_submit
    client = app.test_client()
    login_as(client, user)
    token = csrf_token(client, f"/me/portfolio/sets/{set_id}/submit")

    with connection_cut_at_commit(committed_engine) as cut:
        reply = client.post(f"/me/portfolio/sets/{set_id}/submit", data={"csrf_token": token})
        assert cut, "the fault must have happened"

    assert reply.status_code == 503
    assert DATABASE_DOWN in reply.get_data(as_text=True)
    assert "is submitted" not in reply.get_data(as_text=True)  # nor on the error page itself
    assert set_status(committed_engine, set_id) == SetLifecycle.DRAFT
    page = client.get("/me/").get_data(as_text=True)
    assert "is submitted" not in page  # the flash went with the failed commit
    assert "Sign out" in page  # and the person is still signed in

    # The database is back: the same request now goes through, once.
    retry = client.post(f"/me/portfolio/sets/{set_id}/submit", data={"csrf_token": token})
    assert retry.status_code == 302
    assert "is submitted" in client.get(retry.headers["Location"]).get_data(as_text=True)
    with Session(committed_engine) as check:
        count = check.scalars(select(Submission).where(Submission.enrollment_set_id == set_id))
        assert len(count.all()) == 1


def test_two_submits_of_one_set_at_once_give_one_success_and_one_clear_refusal(
    app, committed_engine, ready_to_submit
):
    user, set_id = ready_to_submit
    clients = [app.test_client(), app.test_client()]
    tokens = []
    for client in clients:
        login_as(client, user)
        tokens.append(csrf_token(client, f"/me/portfolio/sets/{set_id}/submit"))
    statuses: list[int] = []

    def submit(n: int) -> None:
        reply = clients[n].post(
            f"/me/portfolio/sets/{set_id}/submit", data={"csrf_token": tokens[n]}
        )
        statuses.append(reply.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    at_once(committed_engine, threads)

    assert sorted(statuses) == [302, 409]


def test_two_administrators_approving_at_once_get_one_approval_and_a_clear_409(
    app, committed_engine
):
    tag = uuid.uuid4().hex[:8]
    with Session(committed_engine) as setup:
        framework = review_framework(setup, slug=f"race-{tag}")
        candidate = make_user(setup, f"applicant-{tag}@example.org", roles=(Role.CANDIDATE,))
        admins = [
            make_user(setup, f"admin{n}-{tag}@example.org", roles=(Role.ADMINISTRATOR,))
            for n in range(2)
        ]
        application = Application(
            user_id=candidate.id,
            framework_id=framework.id,
            status=ApplicationStatus.SUBMITTED,
            submitted_at=utcnow(),
        )
        setup.add(application)
        setup.commit()
        application_id, candidate_id = application.id, candidate.id
        for admin in admins:
            setup.refresh(admin)
            setup.expunge(admin)
    url = f"/admin/applications/{application_id}"
    clients, tokens = [], []
    for admin in admins:
        client = app.test_client()
        login_as(client, admin)
        clients.append(client)
        tokens.append(csrf_token(client, url))
    replies: list[tuple[int, str]] = []

    def approve(n: int) -> None:
        data = {
            "csrf_token": tokens[n],
            "decision-outcome": "approve",
            "decision-reason": f"Approved by administrator {n}.",
            "decision-unpaid_reason": "The fee is settled outside this test.",
        }
        reply = clients[n].post(f"{url}/decision", data=data)
        replies.append((reply.status_code, reply.get_data(as_text=True)))

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(2)]
    at_once(committed_engine, threads)

    # One approval stands; the other is told plainly (a 409 page, never a raw 500).
    assert sorted(status for status, _page in replies) == [302, 409]
    refused = next(page for status, page in replies if status == 409)
    assert "<h1>Conflict</h1>" in refused
    with Session(committed_engine) as check:
        assert check.get(Application, application_id).status is ApplicationStatus.APPROVED
        enrolled = check.scalars(select(Enrollment).where(Enrollment.user_id == candidate_id))
        assert len(enrolled.all()) == 1


def test_two_tabs_submitting_one_application_at_once_get_one_submission_and_a_clear_409(
    app, committed_engine
):
    """Saving and submitting an application reach the same version conflict as an approval:
    the loser's page renders after a rollback (issue 10, section 2), never a raw 500."""
    tag = uuid.uuid4().hex[:8]
    with Session(committed_engine) as setup:
        publish(setup, lsscp_document())
        user = make_user(setup, f"two-tabs-{tag}@example.org", roles=(Role.CANDIDATE,))
        setup.commit()
        setup.refresh(user)
        setup.expunge(user)
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login_as(client, user)
    application_id = start(clients[0])
    url = application_url(application_id)
    forms = [
        {
            "csrf_token": csrf_token(client, url),
            "version": current_version(client, application_id),
            "action": "submit",
            **complete_form(),
        }
        for client in clients
    ]
    replies: list[tuple[int, str]] = []

    def submit(n: int) -> None:
        reply = clients[n].post(url, data=forms[n])
        replies.append((reply.status_code, reply.get_data(as_text=True)))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    at_once(committed_engine, threads)

    assert sorted(status for status, _page in replies) == [302, 409]
    refused = next(page for status, page in replies if status == 409)
    assert "changed in another tab" in refused
    with Session(committed_engine) as check:
        assert check.get(Application, application_id).status is ApplicationStatus.SUBMITTED
        submitted = check.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "application.submitted",
                AuditEvent.object_id == str(application_id),
            )
        )
        assert len(submitted.all()) == 1


def test_an_approval_whose_commit_loses_the_connection_claims_no_approval(app, committed_engine):
    """The issue's own case: the flash "Approved: ... is enrolled." for an approval that was
    rolled back. The page says nothing was saved; the retry approves once."""
    tag = uuid.uuid4().hex[:8]
    with Session(committed_engine) as setup:
        framework = review_framework(setup, slug=f"cut-{tag}")
        candidate = make_user(setup, f"cut-{tag}@example.org", roles=(Role.CANDIDATE,))
        admin = make_user(setup, f"cut-admin-{tag}@example.org", roles=(Role.ADMINISTRATOR,))
        application = Application(
            user_id=candidate.id,
            framework_id=framework.id,
            status=ApplicationStatus.SUBMITTED,
            submitted_at=utcnow(),
        )
        setup.add(application)
        setup.commit()
        application_id, candidate_id = application.id, candidate.id
        setup.refresh(admin)
        setup.expunge(admin)
    client = app.test_client()
    login_as(client, admin)
    url = f"/admin/applications/{application_id}"
    data = {
        "csrf_token": csrf_token(client, url),
        "decision-outcome": "approve",
        "decision-reason": "Approved while the database went away.",
        "decision-unpaid_reason": "The fee is settled outside this test.",
    }

    with connection_cut_at_commit(committed_engine) as cut:
        reply = client.post(f"{url}/decision", data=data)
        assert cut, "the fault must have happened"

    assert reply.status_code == 503 and DATABASE_DOWN in reply.get_data(as_text=True)
    assert "is enrolled" not in reply.get_data(as_text=True)  # nor on the error page itself
    page = client.get(url).get_data(as_text=True)
    assert "is enrolled" not in page  # no flash for the approval that was rolled back
    with Session(committed_engine) as check:
        assert check.get(Application, application_id).status is ApplicationStatus.SUBMITTED
        assert not check.scalars(select(Enrollment).where(Enrollment.user_id == candidate_id)).all()

    retry = client.post(f"{url}/decision", data=data)
    assert retry.status_code == 302
    assert "is enrolled" in client.get(retry.headers["Location"]).get_data(as_text=True)
    with Session(committed_engine) as check:
        assert check.get(Application, application_id).status is ApplicationStatus.APPROVED
        enrolled = check.scalars(select(Enrollment).where(Enrollment.user_id == candidate_id))
        assert len(enrolled.all()) == 1
