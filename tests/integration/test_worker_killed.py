"""A gunicorn worker killed with SIGKILL in the middle of a request loses nothing.

PostgreSQL only: the app runs as in production (tests/live_gunicorn.py: gunicorn in its own
processes on the test's database, with the data committed, against moto behind a store proxy).
The worker is stopped at a chosen point by something real, then killed (issue 10, section 3):
- checking an upload: the proxy holds the store's reply while the copied file is read back;
- submitting a set and submitting a review: the test holds a lock on a table the request must
  write to, so the request waits with its transaction half done.
Each test then checks what the database and the store hold, that the user's retry succeeds
exactly once, and that the audit trail tells the same story as the rows.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.portfolios.evidence import ALREADY_SUBMITTED
from portfolio.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    EnrollmentSet,
    OutcomeStatus,
    ReviewRating,
    Role,
    SetOutcomeRecord,
    SetReviewTally,
    Submission,
    Upload,
    UploadStatus,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.accounts.hashing import hash_password
from portfolio.services.reviewing import assignments, scoring
from portfolio.services.uploads.reconcile import reconcile
from portfolio.web import clock
from tests.committed_data import (
    backends_waiting_on,
    table_locked,
    tables_written_by,
    wait_until_gone,
)
from tests.helpers import DEFAULT_PASSWORD, make_user
from tests.live_gunicorn import Browser, LiveServer, in_background
from tests.portfolio_fixtures import enroll, fill_set, make_framework
from tests.review_fixtures import make_world, ratings_for
from tests.store_proxy import reads
from tests.upload_helpers import pdf_bytes, sha256_hex

pytestmark = pytest.mark.postgres_only
VERSION = re.compile(r'name="version" value="(\d+)"')


def stored_keys(s3_admin, bucket: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {o["Key"] for o in s3_admin.list_objects_v2(Bucket=bucket).get("Contents", [])}


def audit_actions(engine: Engine, object_type: str, object_id: int) -> list[str]:
    """The actions recorded about one object, oldest first."""
    with Session(engine) as check:
        query = (
            select(AuditEvent.action)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        )
        return [str(action) for action in check.scalars(query)]


def test_a_worker_killed_while_checking_an_upload_loses_nothing(
    gunicorn: LiveServer, committed_engine, s3_admin
):
    email = f"killed-{uuid.uuid4().hex[:8]}@example.org"
    with Session(committed_engine) as setup:
        make_user(setup, email, roles=(Role.CANDIDATE,), password=DEFAULT_PASSWORD)
        setup.commit()
    browser = Browser(gunicorn).sign_in(email)
    headers = {"X-CSRFToken": browser.token("/me/")}
    content = pdf_bytes(4000)
    started = browser.http.post(
        gunicorn.base + "/api/uploads",
        json={
            "filename": "minutes.pdf",
            "size": len(content),
            "sha256": sha256_hex(content),
            "content_type": "application/pdf",
        },
        headers=headers,
        timeout=30,
    ).json()
    post = started["post"]
    sent = browser.http.post(
        post["url"], data=post["fields"], files={"file": ("b", content)}, timeout=30
    )
    assert sent.status_code in (200, 201, 204)
    upload_id = started["upload"]["id"]
    complete = f"{gunicorn.base}/api/uploads/{upload_id}/complete"

    gunicorn.proxy.hold(reads)  # the copy goes through; reading it back for the check hangs
    completing = in_background(browser.http.post, complete, headers=headers, timeout=60)
    assert gunicorn.proxy.held.wait(30), "the worker never reached the check"
    gunicorn.kill_workers()
    gunicorn.proxy.restore()
    completing.join(60)

    with Session(committed_engine) as check:
        upload = check.get(Upload, upload_id)
        original, sealed = upload.key, upload.sealed_key
        assert upload.status is UploadStatus.PENDING  # nothing half-committed
        assert upload.check_requested_at is not None  # the check was asked for, and committed
    assert original in stored_keys(s3_admin, gunicorn.bucket)  # the file is still there

    # The master has started a new worker: once the killed run's claim has run out, asking
    # again (the widget's Resume) checks the file, once. Without a broker the check runs in the
    # web worker right after the commit (tests/integration/test_task_queue.py kills a Celery one).
    time.sleep(1.5)
    reply = browser.post_once_a_worker_answers(
        f"/api/uploads/{upload_id}/complete", {}, headers=headers
    )
    assert reply.status_code == 202 and reply.json()["upload"]["status"] == "checking"
    shown = browser.http.get(f"{gunicorn.base}/api/uploads/{upload_id}", timeout=30).json()
    assert shown["upload"]["status"] == "verified"
    with Session(committed_engine) as check:
        verified = check.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "upload.verified", AuditEvent.object_id == str(upload_id))
        )
    assert verified == 1
    with Session(committed_engine) as check:
        verified_key = check.get(Upload, upload_id).key
    # The new run sealed a copy of its own; the killed run's went after the new claim.
    assert verified_key.startswith(f"{sealed}.")
    assert stored_keys(s3_admin, gunicorn.bucket) == {verified_key}
    with Session(committed_engine) as check:
        assert reconcile(check, gunicorn.store(), utcnow()).clean


@pytest.fixture
def filled_set(committed_engine) -> tuple[str, int]:
    """A candidate (who can sign in) whose first set is complete and not yet submitted."""
    tag = uuid.uuid4().hex[:8]
    with Session(committed_engine) as setup:
        framework = make_framework(setup, slug=f"killed-{tag}")
        candidate = enroll(setup, framework, f"killed-{tag}@example.org")
        candidate.user.password_hash = hash_password(DEFAULT_PASSWORD)
        fill_set(setup, candidate, candidate.sets[0])
        setup.commit()
        return candidate.user.email, candidate.sets[0].id


def test_a_worker_killed_while_submitting_a_set_half_commits_nothing(
    gunicorn: LiveServer, committed_engine, filled_set
):
    email, set_id = filled_set
    path = f"/me/portfolio/sets/{set_id}/submit"
    browser = Browser(gunicorn).sign_in(email)
    form = {"csrf_token": browser.token(path)}
    history = audit_actions(committed_engine, "enrollment_set", set_id)  # begun as a draft

    # The snapshot and the set's new status are written; their audit rows must wait.
    with table_locked(committed_engine, AuditEvent.__tablename__):
        submitting = in_background(browser.post, path, form)
        (backend,) = backends_waiting_on(committed_engine, AuditEvent.__tablename__)
        written = tables_written_by(committed_engine, backend)
        assert {Submission.__tablename__, EnrollmentSet.__tablename__} <= written
        gunicorn.kill_workers()
        submitting.join(30)
    wait_until_gone(committed_engine, backend)

    with Session(committed_engine) as check:
        query = select(Submission).where(Submission.enrollment_set_id == set_id)
        assert check.scalars(query).all() == []  # no snapshot without its status
        assert check.get(EnrollmentSet, set_id).status is SetLifecycle.DRAFT
    assert audit_actions(committed_engine, "enrollment_set", set_id) == history

    # The candidate presses Submit again: it goes through once, and only once.
    retry = browser.post_once_a_worker_answers(path, form)
    assert retry.status_code == 302
    page = browser.http.get(gunicorn.base + retry.headers["Location"], timeout=30).text
    assert "is submitted" in page
    again = browser.post(path, form)
    assert again.status_code == 409 and ALREADY_SUBMITTED in again.text

    with Session(committed_engine) as check:
        query = select(Submission).where(Submission.enrollment_set_id == set_id)
        (submission,) = check.scalars(query).all()
        assert submission.attempt == 1
        assert check.get(EnrollmentSet, set_id).status in {
            SetLifecycle.SUBMITTED,
            SetLifecycle.IN_REVIEW,
        }
        submission_id = submission.id
    assert audit_actions(committed_engine, "submission", submission_id) == [
        AuditAction.SUBMISSION_CREATED,
        AuditAction.SUBMISSION_UNASSIGNED,  # this framework has no reviewers yet
    ]
    assert audit_actions(committed_engine, "enrollment_set", set_id) == [
        *history,
        AuditAction.SET_STATUS_CHANGED,
    ]


@pytest.fixture
def second_review_due(app, committed_engine) -> tuple[str, int, int, list[int]]:
    """A submission whose first reviewer has submitted and whose second (who can sign in) has
    not: (second reviewer's email, their assignment, the competency set, competency ids)."""
    today = clock.today()
    with app.app_context(), Session(committed_engine) as setup:
        world = make_world(setup, reviewers=2)
        assignments.assign_for_submission(setup, world.submission, today)
        setup.flush()
        query = select(Assignment).where(Assignment.submission_id == world.submission.id)
        first, second = setup.scalars(query.order_by(Assignment.id)).all()
        for reviewer in world.reviewers:
            reviewer.password_hash = hash_password(DEFAULT_PASSWORD)
        scoring.submit_review(
            setup,
            first,
            reviewer=setup.get(User, first.reviewer_id),
            version=first.version,
            ratings=ratings_for(world.competencies, "met"),
            overall_comment="",
            today=today,
        )
        setup.commit()
        return (
            setup.get(User, second.reviewer_id).email,
            second.id,
            world.core.id,
            [c.id for c in world.competencies],
        )


def reviews_tallied(engine: Engine, competency_set_id: int) -> int:
    with Session(engine) as check:
        query = select(func.coalesce(func.sum(SetReviewTally.reviews), 0)).where(
            SetReviewTally.set_id == competency_set_id
        )
        return int(check.scalar(query))


@pytest.mark.parametrize(
    "waits_on",
    [
        AuditEvent.__tablename__,  # the ratings are final; their audit row waits
        SetOutcomeRecord.__tablename__,  # the review and its audit row are in; the outcome waits
    ],
)
def test_a_worker_killed_while_submitting_a_review_half_commits_nothing(
    gunicorn: LiveServer, committed_engine, second_review_due, waits_on: str
):
    email, assignment_id, competency_set_id, competency_ids = second_review_due
    path = f"/review/assignments/{assignment_id}"
    browser = Browser(gunicorn).sign_in(email)
    page = browser.http.get(gunicorn.base + path, timeout=30).text
    form = {
        "csrf_token": browser.token(path),
        "version": VERSION.search(page).group(1),
        "overall_comment": "Clear, concrete evidence throughout.",
        "action": "submit",
    }
    for competency_id in competency_ids:
        form[f"rating-{competency_id}"] = "met"
        form[f"comment-{competency_id}"] = ""
    with Session(committed_engine) as check:
        assignment = check.get(Assignment, assignment_id)
        submission_id, version = assignment.submission_id, assignment.version
        set_id = assignment.submission.enrollment_set_id
        status_before = check.get(EnrollmentSet, set_id).status
    tallied = reviews_tallied(committed_engine, competency_set_id)
    history = audit_actions(committed_engine, "assignment", assignment_id)
    decisions = audit_actions(committed_engine, "submission", submission_id)
    moves = audit_actions(committed_engine, "enrollment_set", set_id)

    with table_locked(committed_engine, waits_on):
        submitting = in_background(browser.post, path, form)
        (backend,) = backends_waiting_on(committed_engine, waits_on)
        written = tables_written_by(committed_engine, backend)
        assert {ReviewRating.__tablename__, Assignment.__tablename__} <= written
        if waits_on == SetOutcomeRecord.__tablename__:
            assert AuditEvent.__tablename__ in written
        gunicorn.kill_workers()
        submitting.join(30)
    wait_until_gone(committed_engine, backend)

    with Session(committed_engine) as check:
        assignment = check.get(Assignment, assignment_id)
        assert (assignment.status, assignment.version) == (AssignmentStatus.ASSIGNED, version)
        ratings = select(ReviewRating).where(ReviewRating.assignment_id == assignment_id)
        assert check.scalars(ratings).all() == []  # no score without its audit row
        outcome = select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == submission_id)
        assert check.scalars(outcome).all() == []
        assert check.get(EnrollmentSet, set_id).status is status_before
    assert audit_actions(committed_engine, "assignment", assignment_id) == history
    assert audit_actions(committed_engine, "submission", submission_id) == decisions
    assert audit_actions(committed_engine, "enrollment_set", set_id) == moves
    assert reviews_tallied(committed_engine, competency_set_id) == tallied

    # The reviewer presses Submit again: the review counts once and the set is decided once.
    retry = browser.post_once_a_worker_answers(path, form)
    assert retry.status_code == 302
    queue = browser.http.get(gunicorn.base + retry.headers["Location"], timeout=30).text
    assert "Your review was submitted" in queue
    again = browser.post(path, form)
    assert again.status_code == 409 and "You submitted this review" in again.text

    with Session(committed_engine) as check:
        assignment = check.get(Assignment, assignment_id)
        assert assignment.status is AssignmentStatus.SUBMITTED
        assert len(assignment.ratings) == len(competency_ids)
        outcome = select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == submission_id)
        (recorded,) = check.scalars(outcome).all()
        assert recorded.status is OutcomeStatus.MET
        assert check.get(EnrollmentSet, set_id).status is SetLifecycle.MET
    assert audit_actions(committed_engine, "assignment", assignment_id) == [
        *history,
        AuditAction.REVIEW_SUBMITTED,
    ]
    decided = audit_actions(committed_engine, "submission", submission_id)
    assert decided[: len(decisions)] == decisions
    assert sorted(decided[len(decisions) :]) == sorted(
        [AuditAction.OUTCOME_RECORDED, AuditAction.SUBMISSION_STATUS_CHANGED]
    )
    assert audit_actions(committed_engine, "enrollment_set", set_id) == [
        *moves,
        AuditAction.SET_STATUS_CHANGED,  # to met
    ]
    assert reviews_tallied(committed_engine, competency_set_id) == tallied + 1
