"""The outbox: every email is a row written with the change it reports, sent after the commit.

`queue` adds the row in the caller's transaction, so a rolled-back request sends nothing and the
same email (same idempotency key) is queued once. `deliver_due` sends the rows that are due, each
claimed first so two passes never send one row, and marked sent in its own short transaction; a
failure is kept on the row and retried with backoff until MAX_ATTEMPTS, then the row is failed
and shows on the administrators' outbox page (`needing_attention`, `retry`).

`init_app` (bound in create_app) runs a pass after every commit that queued mail. With a task
queue (TASK_BROKER_URL) the pass is a job for the workers (portfolio.jobs.mail), and beat's sweep
runs one every minute for retries that come due and for anything the broker lost: the rows are
the durable truth. Without one, in a background thread (OUTBOX_DELIVERY="background"), so no
request waits on SMTP, or in the committing thread ("inline", for tests); `flask outbox deliver`
then catches up from cron.

Jobs leave after the commit too: `enqueue` keeps them in the session and hands them to the task
queue once it commits (eagerly in-process without a broker); a rollback drops them. A broker that
is down is logged, not raised: the commit has happened, and each job's rows wait for its sweep.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import Flask, current_app, has_app_context
from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from portfolio.domain.errors import Conflict, NotFound
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.models.base import utcnow
from portfolio.models.outbox import OutboxMessage, OutboxStatus
from portfolio.services.listing import ListQuery, fetch_page
from portfolio.services.mail import MailError, MailSettings, compose, send

log = logging.getLogger(__name__)

SIGNATURE = "\n\n-- Portfolio\n"
DUE = "outbox_due"  # session.info flag: this transaction queued mail
JOBS = "jobs_after_commit"  # session.info list: (task name, args) to send after the commit
DELIVER_JOB = "portfolio.jobs.mail.deliver_outbox"
# Waits after the 1st, 2nd, ... failed attempt; the attempt after the last wait is the final one.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
ATTENTION_AFTER = timedelta(minutes=15)  # a message pending longer than this is shown to admins


def queue(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    key: str | None = None,
    signature: str = SIGNATURE,
    unsubscribe_url: str | None = None,
) -> bool:
    """Write an email to the outbox in `session`'s transaction; it leaves after the commit.

    `kind` says what it is about (domain.notifications.Kind). `key` names the event the email
    reports (e.g. "application.approved:42"): an email whose key was queued before is not queued
    again (False). Without a key every call queues one email. `unsubscribe_url` goes out in the
    List-Unsubscribe headers (services.notifications decides it; emails to people go there).
    """
    message = OutboxMessage(
        idempotency_key=key or f"once:{uuid.uuid4()}",
        recipient=to,
        subject=subject,
        body=body + signature,
        kind=str(kind),
        unsubscribe_url=unsubscribe_url,
    )
    if key is None:
        session.add(message)
    else:
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
            return False
        session.flush()  # so an IntegrityError below can only be this row's key
        try:
            with session.begin_nested():  # two transactions queueing the same event at once
                session.add(message)
        except IntegrityError:
            return False
    session.info[DUE] = True
    return True


@dataclass(frozen=True)
class Email:
    """One email for queue_many: what `queue` takes, without a key."""

    to: str
    subject: str
    body: str
    kind: str
    signature: str = SIGNATURE
    unsubscribe_url: str | None = None


def queue_many(session: Session, emails: Iterable[Email]) -> int:
    """`queue` for many emails, none with a key, in one statement: a batch queues one email
    per person without one insert per person. How many."""
    rows = [
        {
            "idempotency_key": f"once:{uuid.uuid4()}",
            "recipient": email.to,
            "subject": email.subject,
            "body": email.body + email.signature,
            "kind": str(email.kind),
            "unsubscribe_url": email.unsubscribe_url,
        }
        for email in emails
    ]
    if rows:
        session.execute(insert(cast(Table, OutboxMessage.__table__)), rows)  # Core: plain rows
        session.info[DUE] = True
    return len(rows)


def enqueue(session: Session, task_name: str, *args: object) -> None:
    """Run the job `task_name(*args)` once `session` commits; nothing if it rolls back."""
    session.info.setdefault(JOBS, []).append((task_name, args))


def dispatch(app: Flask, task_name: str, args: tuple[object, ...]) -> bool:
    """Hand one job to the app's task queue (or run it now, eagerly, without a broker). False,
    logged, when the broker cannot be reached: the job's sweep picks its rows up later."""
    from celery.exceptions import NotRegistered
    from kombu.exceptions import OperationalError

    try:
        task = app.extensions["celery"].tasks[task_name]
    except NotRegistered:
        # A job renamed since it was kept (a failed job retried after an upgrade): the commit
        # stands; the log says what was not sent.
        log.error("No job is called %s; %r was not queued", task_name, args)
        return False
    try:
        task.apply_async(args=args)
    except OperationalError as exc:
        log.warning("Could not queue %s%r (its sweep will): %s", task_name, args, exc)
        return False
    return True


def backoff_after(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None once there are no tries left."""
    return now + BACKOFF[attempts - 1] if attempts < MAX_ATTEMPTS else None


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    failed: int = 0  # attempts that failed (the message is retried later, or failed for good)
    server_down: bool = False  # the pass stopped early: no message could reach the server


@dataclass(frozen=True)
class _Claim:
    id: int
    token: str
    recipient: str
    subject: str
    body: str
    attempts: int
    unsubscribe_url: str | None


def deliver_due(
    new_session: Callable[[], Session],
    settings: MailSettings,
    *,
    now: datetime | None = None,
    limit: int = 500,
) -> Delivery:
    """Send up to `limit` due messages, one claimed row at a time (each pass uses sessions of its
    own from `new_session`, committed apart from any request). Stops early when the mail server
    cannot be reached, leaving the rest for the next pass. `now` lets tests move the clock."""
    sent = failed = 0
    # Longer than one whole SMTP exchange: connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT,
    # DATA and QUIT may each take up to the timeout, so no second pass can claim a row in flight.
    lease = timedelta(seconds=settings.timeout * 10 + 60)
    for _ in range(limit):
        moment = now or utcnow()
        claim = _claim_next(new_session, moment, lease)
        if claim is None:
            break
        message = compose(
            settings,
            to=claim.recipient,
            subject=claim.subject,
            body=claim.body,
            unsubscribe_url=claim.unsubscribe_url,
        )
        try:
            send(settings, message)
        except MailError as exc:
            failed += 1
            _record_failure(new_session, claim, str(exc), now or utcnow())
            if exc.server_down:
                return Delivery(sent, failed, server_down=True)
        else:
            sent += 1
            _mark_sent(new_session, claim, now or utcnow())
    return Delivery(sent, failed)


def _due(moment: datetime):  # type: ignore[no-untyped-def]
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= moment,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < moment),
    )


def _claim_next(
    new_session: Callable[[], Session], moment: datetime, lease: timedelta
) -> _Claim | None:
    with new_session() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        for _ in range(10):  # on SQLite another pass may claim the row we picked first
            query = (
                select(OutboxMessage)
                .where(*_due(moment))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
            )
            if postgres:
                # Rows another pass is claiming right now are skipped, not waited for.
                query = query.with_for_update(skip_locked=True)
            row = session.scalar(query)
            if row is None:
                session.commit()
                return None
            claim = _Claim(
                row.id,
                str(uuid.uuid4()),
                row.recipient,
                row.subject,
                row.body,
                row.attempts,
                row.unsubscribe_url,
            )
            if not postgres:
                # End the read first: a SQLite read lock held into the UPDATE can deadlock two
                # passes. The conditional UPDATE alone decides who holds the row.
                session.commit()
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == claim.id, *_due(moment))
                .values(claim_token=claim.token, claimed_until=moment + lease)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                return claim
    return None


def _finish(new_session: Callable[[], Session], claim: _Claim, **values: object) -> None:
    with new_session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
            .values(claim_token=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _mark_sent(new_session: Callable[[], Session], claim: _Claim, moment: datetime) -> None:
    _finish(
        new_session,
        claim,
        status=OutboxStatus.SENT,
        sent_at=moment,
        attempts=claim.attempts + 1,
        last_error="",
        # Nobody reads a body once it is sent, and it may hold a live reset or sign-in link.
        body="",
    )


def _record_failure(
    new_session: Callable[[], Session], claim: _Claim, error: str, moment: datetime
) -> None:
    attempts = claim.attempts + 1
    retry_at = backoff_after(attempts, moment)
    if retry_at is None:
        log.error(
            "Gave up on email %r to %s after %s attempts: %s",
            claim.subject,
            claim.recipient,
            attempts,
            error,
        )
    else:
        log.warning(
            "Could not send email %r to %s (attempt %s, next at %s): %s",
            claim.subject,
            claim.recipient,
            attempts,
            retry_at.isoformat(),
            error,
        )
    _finish(
        new_session,
        claim,
        attempts=attempts,
        last_error=error[:2000],
        status=OutboxStatus.PENDING if retry_at else OutboxStatus.FAILED,
        next_attempt_at=retry_at or moment,
    )


OUTBOX_LIST = ListSpec(
    sorts=(Choice("queued", "Date queued"), Choice("attempts", "Attempts")),
    filters=(
        ListFilter("status", "Status", (Choice("failed", "Failed"), Choice("waiting", "Waiting"))),
    ),
    default_order="asc",  # the oldest first
    search_label="Search by recipient or subject",
)


def attention_query(request: ListRequest, now: datetime) -> ListQuery[OutboxMessage]:
    """Failed messages, and pending ones that failed an attempt or waited past ATTENTION_AFTER
    (the administrators' outbox page), searched and filtered."""
    waiting = (OutboxMessage.status == OutboxStatus.PENDING) & or_(
        OutboxMessage.attempts > 0, OutboxMessage.created_at < now - ATTENTION_AFTER
    )
    failed = OutboxMessage.status == OutboxStatus.FAILED
    status = request.filters.get("status")
    listed = select(OutboxMessage).where(
        failed if status == "failed" else waiting if status == "waiting" else or_(failed, waiting)
    )
    if request.search:
        listed = listed.where(
            or_(
                OutboxMessage.recipient.icontains(request.search, autoescape=True),
                OutboxMessage.subject.icontains(request.search, autoescape=True),
            )
        )
    return ListQuery(
        listed,
        {"queued": OutboxMessage.created_at, "attempts": OutboxMessage.attempts},
        OutboxMessage.id,
        lambda rows: [row[0] for row in rows],
    )


def needing_attention(
    session: Session, request: ListRequest, now: datetime
) -> ListPage[OutboxMessage]:
    return fetch_page(session, attention_query(request, now), request)


def retry(session: Session, message_id: int, now: datetime) -> OutboxMessage:
    """Make a failed (or waiting) message due now with a fresh set of attempts; its last error is
    kept until the next attempt. NotFound for an unknown id; Conflict once it was sent, or while
    a delivery pass is sending it."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("There is no such message in the outbox.")
    # One conditional UPDATE: a pass marking the row sent meanwhile must not be undone.
    changed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status != OutboxStatus.SENT,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(message)
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        if message.status is OutboxStatus.SENT:
            raise Conflict("This message was sent already.")
        raise Conflict("This message is being sent right now.")
    session.info[DUE] = True
    return message


class _Deliverer:
    """Runs delivery passes for one app after commits; at most one background thread at a time
    (a commit during a pass asks for one more pass rather than a second thread)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        mode = app.config.get("OUTBOX_DELIVERY", "background")
        if mode not in ("background", "inline"):
            raise ValueError(f"OUTBOX_DELIVERY must be background or inline, not {mode!r}")
        self.background = mode == "background"
        self.queued = bool(app.config.get("TASK_BROKER_URL"))  # the workers deliver
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def after_commit(self) -> None:
        if self.queued:
            dispatch(self.app, DELIVER_JOB, ())
            return
        if not self.background:
            self._pass()
            return
        with self._lock:
            if self._thread is not None:
                self._again = True
                return
            # Not a daemon: a command that queued mail waits for its pass before it exits.
            self._thread = threading.Thread(target=self._run, name="outbox-delivery")
            self._thread.start()

    def wait(self, timeout: float) -> bool:
        """Wait for the background pass to end (tests, shutdown); True when none is running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self._thread is None

    def _run(self) -> None:
        try:
            while True:
                self._pass()
                with self._lock:
                    # Ending and forgetting the thread under one lock: a commit arriving now
                    # either sets _again before this check or starts a new thread after it.
                    if not self._again:
                        self._thread = None
                        return
                    self._again = False
        except BaseException:
            with self._lock:
                self._thread = None
            raise

    def _pass(self) -> None:
        from portfolio.extensions import db

        with self.app.app_context():
            try:
                deliver_due(db.new_session, MailSettings.from_config(self.app.config))
            except Exception:
                # The rows stay pending for the next pass or `flask outbox deliver`; the commit
                # that asked for this pass has succeeded and must not be reported as failing.
                log.exception("The outbox delivery pass stopped")


def deliverer(app: Flask) -> _Deliverer:
    """The app's deliverer (tests wait on it)."""
    return app.extensions["outbox"]  # type: ignore[no-any-return]


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the work is not committed yet
    jobs = session.info.pop(JOBS, [])
    if not has_app_context():
        session.info.pop(DUE, None)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if session.info.pop(DUE, False):
        deliverer(app).after_commit()
    for task_name, args in jobs:
        dispatch(app, task_name, args)


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    # Only the whole transaction: a savepoint rolled back (a duplicate key in `queue`, a lost
    # race elsewhere) leaves the mail queued before it standing.
    if previous.parent is None and not previous.nested:
        session.info.pop(DUE, None)
        session.info.pop(JOBS, None)


def init_app(app: Flask) -> None:
    """Deliver the outbox and send queued jobs after every commit (bound in create_app, after
    the task queue)."""
    from sqlalchemy import event

    app.extensions["outbox"] = _Deliverer(app)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
