"""The outbox and failed-jobs pages as admin lists: searched, filtered, paged with a bounded
page size, the same queries for few rows and many, a clear 400 for what they do not offer,
CSV/XLSX of what the filters select (never an email's body) with no formulas, and for
administrators only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from portfolio.models import JobFailure, Role
from portfolio.models.base import utcnow
from portfolio.models.outbox import OutboxMessage, OutboxStatus
from tests.helpers import login_as, make_user
from tests.integration.test_course_checks import text_of
from tests.integration.test_review_queries import counting

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
LISTS = {"/admin/outbox": "status", "/admin/jobs": "job"}
VERIFY = "portfolio.jobs.uploads.verify_upload"
REMIND = "portfolio.jobs.reviews.remind"


@pytest.fixture
def admin(client, session):
    user = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, user)
    return user


def email(session, n, subject="Reset your password", *, failed=True, recipient=None):
    session.add(
        OutboxMessage(
            idempotency_key=f"t:{n}",
            recipient=recipient or f"r{n}@example.org",
            subject=subject,
            body="Open http://localhost/reset/SECRET-TOKEN to choose a new password.",
            status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
            attempts=3,
            next_attempt_at=utcnow() + timedelta(minutes=30),
            last_error="SMTPRecipientsRefused: mailbox unavailable",
        )
    )


def failure(session, n, task=VERIFY, error="OSError: the store is down"):
    session.add(
        JobFailure(task_id=f"task-{n}", task_name=task, arguments={"args": [n]}, error=error)
    )


def read_csv(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("per_page=0", "Rows per page must be a whole number from 1 to 100."),
        ("per_page=-1", "Rows per page must be a whole number from 1 to 100."),
        ("per_page=1000000000", "Rows per page must be a whole number from 1 to 100."),
        ("sort=body", "This list cannot be sorted by “body”."),
        ("FILTER=everything", "“everything” is not one of the choices for"),
    ],
)
def test_what_the_list_does_not_offer_is_a_clear_400(client, admin, url, query, message):
    query = query.replace("FILTER", LISTS[url])
    for address in (f"{url}?{query}", f"{url}?{query}&format=csv"):
        response = client.get(address)
        assert response.status_code == 400, address
        assert message in text_of(response)


def test_the_outbox_is_searched_filtered_and_paged(client, session, admin):
    for n in range(3):
        email(session, n)
    email(session, 7, "New review: Core skills", failed=False, recipient="slow@example.org")
    session.commit()
    page = text_of(client.get("/admin/outbox?per_page=2"))
    assert "Showing 1 to 2 of 4 emails." in page and "Page 1 of 2." in page
    waiting = text_of(client.get("/admin/outbox?status=waiting"))
    assert "slow@example.org" in waiting and "r0@example.org" not in waiting
    found = text_of(client.get("/admin/outbox?q=core+skills"))
    assert "Showing 1 to 1 of 1 email matching “core skills”." in found
    assert "SECRET-TOKEN" not in client.get("/admin/outbox").get_data(as_text=True)


def test_failed_jobs_are_searched_filtered_and_paged(client, session, admin):
    for n in range(3):
        failure(session, n)
    failure(session, 9, task=REMIND, error="TimeoutError: the mail server is slow")
    session.commit()
    page = text_of(client.get("/admin/jobs?per_page=3"))
    assert "Showing 1 to 3 of 4 failed jobs." in page and "Page 1 of 2." in page
    reminders = text_of(client.get(f"/admin/jobs?job={REMIND}"))
    assert "Showing 1 to 1 of 1 failed job." in reminders and "Remind reviewers" in reminders
    found = text_of(client.get("/admin/jobs?q=timeout"))
    assert "Showing 1 to 1 of 1 failed job matching “timeout”." in found


@pytest.mark.parametrize("url", LISTS)
def test_the_lists_need_the_same_queries_for_few_rows_and_many(app, client, session, admin, url):
    def add(n):
        email(session, n) if "outbox" in url else failure(session, n)

    add(0)
    session.commit()
    with counting(app) as few:
        assert "Showing 1 to 1 of 1 " in text_of(client.get(f"{url}?per_page=100"))
    for n in range(1, 30):
        add(n)
    session.commit()
    with counting(app) as many:
        assert "Showing 1 to 30 of 30 " in text_of(client.get(f"{url}?per_page=100"))
    assert len(many) == len(few)


def test_the_outbox_export_has_the_filtered_rows_no_bodies_and_no_formulas(client, session, admin):
    for n, subject in enumerate(HOSTILE):
        email(session, n, subject)
    email(session, 50, "Plain subject", failed=False)
    session.commit()
    response = client.get("/admin/outbox?format=csv&status=failed&per_page=2")
    assert response.is_streamed
    rows = read_csv(response)
    assert rows[0][:3] == ["Recipient", "Subject", "Status"]
    assert sorted(row[1] for row in rows[1:]) == sorted("'" + s for s in HOSTILE)
    assert "SECRET-TOKEN" not in response.get_data(as_text=True)
    plain = read_csv(client.get("/admin/outbox?format=csv&q=plain"))
    assert [row[1] for row in plain[1:]] == ["Plain subject"]
    assert client.get("/admin/outbox?format=xlsx").status_code == 200


def test_the_jobs_export_has_the_filtered_rows_and_no_formulas(client, session, admin):
    for n, error in enumerate(HOSTILE):
        failure(session, n, error=error)
    failure(session, 50, task=REMIND, error="Plain error")
    session.commit()
    rows = read_csv(client.get(f"/admin/jobs?format=csv&job={VERIFY}"))
    assert rows[0] == ["Job", "For", "Last error", "Failed at"]
    assert sorted(row[2] for row in rows[1:]) == sorted("'" + e for e in HOSTILE)
    assert {row[0] for row in rows[1:]} == {"Check an uploaded file"}
    assert client.get("/admin/jobs?format=xlsx").status_code == 200


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("kind", ["", "?format=csv", "?format=xlsx"])
def test_the_lists_are_for_administrators_only(client, session, url, kind):
    login_as(client, make_user(session, "rev@example.org", roles=(Role.REVIEWER,)))
    assert client.get(url + kind).status_code == 403
