"""Two web hosts under load: simulated people on two gunicorn servers; then, was anything lost?

    python bench/load.py [--users 200] [--seconds 60] [--think 2-8] [--workers 2]
                          [--candidates 1000]
    python bench/load.py --smoke   # 4 users for 3 s: proves the bench works (make test runs it)

One run, everything on loopback and made here (a PostgreSQL database made and dropped, a Redis
database number of its own, flushed):
1. Seeds the review bench's program (6 sets of 4 competencies, 150 reviewers) with
   `--candidates` candidates whose sets are in review (so the administrators' queues and cohorts
   have rows), plus the simulated people: candidates with a portfolio to write, reviewers with
   open reviews, administrators. Every simulated person has an account of their own.
2. Starts the app as two gunicorn servers on two ports (standing in for two hosts behind a load
   balancer) sharing PostgreSQL, Redis (rate limits and the task queue), one object store
   (moto's S3 server) and one SMTP server, plus a Celery worker for the queue.
3. Drives `--users` simulated people for `--seconds` with Locust (headless, as a library, in a
   process of its own), each waiting `--think` seconds between two actions: candidates autosave
   narratives and start uploads (begin, send the file to the store, complete, look once),
   reviewers open reviews and autosave drafts (and submit some, which emails the set's
   outcome), administrators open the review queues and the cohorts. Every request goes to one
   of the two servers at random, so a session started on one is used on the other. The
   baseline is a load balancer's health check: /healthz of each server once a second, a
   trivial endpoint under the same load at the same moment. The figures count only the
   measured window (sign-ins and ramp-up excluded).
4. Checks nothing was lost: every acknowledged autosave is what the database holds, every
   submitted review is stored as submitted, every completed upload was verified exactly once
   (one verification in the audit trail, one run of its job on the worker), and every email in
   the outbox was delivered exactly once.

The last line printed is one JSON object: requests per second, p50/p95/p99 per kind of request,
errors, the checks, and "ratio" (p95 of the app's requests over p95 of /healthz).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CLAIM = "portfolio-tests:claimed-by"  # the test fixtures' claim on a Redis database number
QUEUE = "portfolio"
PASSWORD = "load-bench-password-2026"  # noqa: S105 - the simulated people's, in a throwaway database
SECRET_KEY = "load-bench-secret-key"  # noqa: S105 - both servers sign sessions with it
BUCKET = "bench-load"
# Cheap Argon2 (as the tests use): sign-ins happen before the measured window anyway, and the
# bench measures the pages, not password hashing.
ARGON2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST_KIB": "1024", "ARGON2_PARALLELISM": "1"}
BASELINE = "baseline: /healthz"
STORE = "store: send the file"  # moto, not the app: reported, not counted as the app's
SIGN_IN = "sign in"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')
RATING = re.compile(r'name="rating-(\d+)"')


class BenchError(Exception):
    pass


STARTED = time.monotonic()


def note(what: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {what}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    plain = SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_database() -> Iterator[str]:
    """A Redis database number nobody else uses (claimed as the test fixtures claim theirs),
    empty, flushed again at the end; Redis is started if it does not answer."""
    import redis

    server = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.ConnectionError:
        if shutil.which("redis-server") is None:
            raise BenchError("Redis is needed: apt-get install redis-server") from None
        subprocess.run(
            [
                *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1"),
                *("--port", str(REDIS_PORT), "--save", "", "--appendonly", "no"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _answers(server):
            if time.monotonic() > deadline:
                raise BenchError("Redis did not start") from None
            time.sleep(0.1)
    for number in range(15, 0, -1):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        if client.set(CLAIM, f"bench-load:{os.getpid()}", nx=True, ex=3600):
            if client.dbsize() == 1:
                break
            client.delete(CLAIM)  # someone keeps data here without claiming it
    else:
        raise BenchError("no free Redis database number")
    client.flushdb()
    client.set(CLAIM, f"bench-load:{os.getpid()}", ex=3600)
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
    finally:
        client.flushdb()


def _answers(server: Any) -> bool:
    import redis

    try:
        return bool(server.ping())
    except redis.ConnectionError:
        return False


@contextmanager
def object_store() -> Iterator[str]:
    import logging

    import boto3
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    config = Config(s3={"addressing_style": "path"}, signature_version="s3v4")
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=config,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's
    )
    s3.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        moto.stop()


class Mailbox:
    """An SMTP server on loopback that keeps every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []  # (recipient, subject)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes

        message = message_from_bytes(envelope.content)
        for recipient in envelope.rcpt_tos:
            self.messages.append((recipient, str(message["Subject"])))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()  # aiosmtpd's readiness check does not work with port 0
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def stop(process: subprocess.Popen[Any], grace: float = 20) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_server(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[Any], str]:
    """gunicorn as production runs it (gunicorn.conf.py, --preload) on a free loopback port."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--preload"]
    command += ["-w", str(workers), "-b", f"127.0.0.1:{port}", "portfolio:create_app()"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    return process, f"http://127.0.0.1:{port}"


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[Any]:
    command = [sys.executable, "-m", "celery", "-A", "portfolio.worker", "worker"]
    command += ["--pool=solo", "-c", "1", "-Q", QUEUE, "--without-gossip", "--without-mingle"]
    command += ["--without-heartbeat", "-l", "info", "-n", f"bench-{uuid.uuid4().hex[:6]}@%h"]
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until(check: Any, what: str, timeout: float, processes: list[Any]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        for process in processes:
            if process.poll() is not None:
                raise BenchError(f"{what}: a process exited ({process.args[:4]})")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.2)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes and their children (gunicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        family = [pid]
        with suppress(OSError):
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            family += [int(child) for child in children]
        for member in family:
            with suppress(OSError):
                fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def healthy(base: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


# ---------------------------------------------------------------- seeding


def seed(url: str, plan: dict[str, int]) -> dict[str, Any]:
    """The program, background candidates, and the simulated people; returns who they are."""
    from sqlalchemy import select, update

    from bench.review_queue import (
        Ids,
        fix_sequences,
        seed_candidates,
        seed_framework,
        seed_people,
    )
    from portfolio import create_app
    from portfolio.extensions import db
    from portfolio.models import (
        Assignment,
        AssignmentStatus,
        Base,
        Enrollment,
        Role,
        User,
        UserRole,
    )
    from portfolio.models.base import utcnow
    from portfolio.services.accounts.hashing import hash_password
    from portfolio.services.portfolios.entries import ensure_portfolio
    from portfolio.services.reviewing import tallies

    app = create_app(
        {"ENV_NAME": "testing", "DATABASE_URL": url, "RATELIMIT_STORAGE_URI": "memory://"}
        | {key: int(value) for key, value in ARGON2.items()}
    )
    ids = Ids()
    with app.app_context():
        session = db.session
        Base.metadata.create_all(db.engine)
        framework, set_ids, comp_ids = seed_framework(session)
        _admin_id, reviewer_ids = seed_people(session)
        background = plan["background"]
        for first in range(0, background, 2000):
            count = min(2000, background - first)
            seed_candidates(
                session, ids, framework.id, set_ids, comp_ids, reviewer_ids, first, count
            )
        # The simulated candidates: nothing submitted yet. Their accounts take the next ids.
        first_id = ids.next.get("user", 1_000_000)
        seed_candidates(
            session, ids, framework.id, set_ids, comp_ids, reviewer_ids, background + 10,
            plan["candidates"], submitted_sets=0, reviewed=False,
        )  # fmt: skip
        candidate_ids = list(range(first_id, ids.next["user"]))
        fix_sequences(session)
        tallies.rebuild(session)
        admins = []
        for n in range(plan["admins"]):
            admin = User(email=f"load-admin{n}@bench.example", name=f"Admin {n}", password_hash="!")  # noqa: S106 - replaced below
            admin.roles = [UserRole(role=Role.ADMINISTRATOR)]
            session.add(admin)
            admins.append(admin)
        session.flush()
        # Reviewers with open reviews, most first; each simulated reviewer is one of them.
        open_reviews: dict[int, list[int]] = {}
        for reviewer_id, assignment_id in session.execute(
            select(Assignment.reviewer_id, Assignment.id)
            .where(Assignment.status == AssignmentStatus.ASSIGNED)
            .order_by(Assignment.id)
        ):
            open_reviews.setdefault(reviewer_id, []).append(assignment_id)
        chosen = sorted(open_reviews, key=lambda r: -len(open_reviews[r]))[: plan["reviewers"]]
        if len(chosen) < plan["reviewers"]:
            raise BenchError(
                f"only {len(chosen)} reviewers have open reviews; seed more --candidates"
            )
        entries: dict[int, list[int]] = {}
        for user_id in candidate_ids:
            enrollment = session.scalars(
                select(Enrollment).where(Enrollment.user_id == user_id)
            ).one()
            entries[user_id] = sorted(e.id for e in ensure_portfolio(session, enrollment).entries)
        everyone = candidate_ids + chosen + [a.id for a in admins]
        session.execute(
            update(User)
            .where(User.id.in_(everyone))
            .values(password_hash=hash_password(PASSWORD), email_confirmed_at=utcnow())
        )
        found = session.execute(select(User.id, User.email).where(User.id.in_(everyone)))
        emails = dict(found.all())
        session.commit()
        db.engine.dispose()
    return {
        "password": PASSWORD,
        "candidates": [{"email": emails[u], "entries": entries[u]} for u in candidate_ids],
        "reviewers": [{"email": emails[r], "assignments": open_reviews[r]} for r in chosen],
        "admins": [{"email": emails[a.id]} for a in admins],
    }


def split(users: int) -> dict[str, int]:
    """How many of each kind of person: 60% candidates, 25% reviewers, the rest administrators
    (at least one of each)."""
    candidates = max(1, round(users * 0.6))
    reviewers = max(1, round(users * 0.25))
    admins = max(1, users - candidates - reviewers)
    return {"candidates": users - reviewers - admins, "reviewers": reviewers, "admins": admins}


# ---------------------------------------------------------------- the checks


def check_nothing_lost(
    url: str, driven: dict[str, Any], worker_log: Path, mailbox: Mailbox, wait: float
) -> dict[str, Any]:
    """Compare what the simulated people were told with what the database, the worker and the
    mail server hold (waiting up to `wait` s for the queue to finish the uploads' checks)."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from portfolio.domain.audit_actions import AuditAction
    from portfolio.models import (
        Assignment,
        AssignmentStatus,
        AuditEvent,
        OutboxMessage,
        OutboxStatus,
        PortfolioEntry,
        Upload,
        UploadStatus,
    )

    engine = create_engine(url)
    completed = [int(u) for u in driven["uploads_completed"]]
    deadline = time.monotonic() + wait
    with Session(engine) as session:
        while True:
            pending = session.scalar(
                select(func.count())
                .select_from(Upload)
                .where(Upload.id.in_(completed), Upload.status == UploadStatus.PENDING)
            )
            outbox_waiting = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            )
            if (not pending and not outbox_waiting) or time.monotonic() > deadline:
                break
            session.rollback()
            time.sleep(0.5)

        def lost(kind: str, model: Any, column: Any) -> tuple[int, int, list[str]]:
            saves = driven["saves"][kind]
            rows = {
                row.id: row
                for row in session.execute(
                    select(model.id, column.label("text"), model.version).where(
                        model.id.in_([int(k) for k in saves])
                    )
                )
            }
            acknowledged, missing = 0, []
            for key, record in saves.items():
                acknowledged += record["acknowledged"]
                if record["last"] is None:
                    continue
                text, version = record["last"]
                row = rows[int(key)]
                # A save sent after the last acknowledged one (cut off when the run ended) may
                # have been stored since: then the row holds that one instead. A submitted
                # review answers with a redirect, not its version: its text is compared.
                if row.text == text and version in (row.version, None):
                    continue
                if row.text in record["later"]:
                    continue
                missing.append(f"{kind} {key}: told saved as v{version}, holds v{row.version}")
            return acknowledged, len(saves), missing

        narratives = lost("narratives", PortfolioEntry, PortfolioEntry.narrative)
        drafts = lost("drafts", Assignment, Assignment.overall_comment)
        told_submitted = [
            int(k) for k, r in driven["saves"]["drafts"].items() if r.get("submitted")
        ]
        submitted = session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(
                Assignment.id.in_(told_submitted),
                Assignment.status == AssignmentStatus.SUBMITTED,
            )
        )
        statuses = Counter(
            str(s) for s in session.scalars(select(Upload.status).where(Upload.id.in_(completed)))
        )
        verified_events = Counter(
            session.scalars(
                select(AuditEvent.object_id).where(
                    AuditEvent.action == AuditAction.UPLOAD_VERIFIED,
                    AuditEvent.object_type == "upload",
                )
            )
        )
        outbox = Counter(str(s) for s in session.scalars(select(OutboxMessage.status)))
        queued = Counter(
            (row.recipient, row.subject)
            for row in session.execute(select(OutboxMessage.recipient, OutboxMessage.subject))
        )
    engine.dispose()
    log = worker_log.read_text(errors="replace")
    job_runs = len(re.findall(r"verify_upload\[[^\]]+\] succeeded", log))
    dropped = log.count("dropped a second delivery")
    delivered = Counter(mailbox.messages)
    checks = {
        "narrative_autosaves_acknowledged": narratives[0],
        "entries_written": narratives[1],
        "review_drafts_acknowledged": drafts[0],
        "reviews_written": drafts[1],
        "autosaves_lost": narratives[2] + drafts[2],
        "reviews_submitted": len(told_submitted),
        "reviews_submitted_not_stored": len(told_submitted) - submitted,
        "uploads_completed": len(completed),
        "uploads_by_status": dict(statuses),
        "uploads_verified_more_than_once": sorted(u for u, n in verified_events.items() if n > 1),
        "uploads_not_verified_once": sorted(
            u for u in completed if verified_events.get(str(u), 0) != 1
        ),
        "check_job_runs": job_runs,
        "check_deliveries_dropped": dropped,
        "emails_queued": sum(queued.values()),
        "outbox_by_status": dict(outbox),
        "emails_delivered": sum(delivered.values()),
        "emails_not_delivered_exactly_once": sum(
            1 for key, n in queued.items() if delivered.get(key, 0) != n
        ),
    }
    checks["nothing_lost"] = (
        not checks["autosaves_lost"]
        and not checks["reviews_submitted_not_stored"]
        and not checks["uploads_not_verified_once"]
        and statuses.get(str(UploadStatus.VERIFIED), 0) == len(completed)
        and job_runs - dropped == len(completed)  # a dropped second delivery changes nothing
        and checks["emails_not_delivered_exactly_once"] == 0
        and set(outbox) <= {str(OutboxStatus.SENT)}
    )
    return checks


# ---------------------------------------------------------------- the simulated people


def words(seed: str, count: int) -> str:
    """Narrative-like text: Markdown paragraphs, different for every save."""
    bank = (
        *("catalogued", "donated", "books", "for", "the", "branch", "and", "trained", "two"),
        *("volunteers", "on", "the", "new", "circulation", "desk", "then", "**reviewed**"),
        *("the", "*reference", "interview*", "notes", "with", "the", "team"),
    )
    picked = random.Random(seed).choices(bank, k=count)
    return f"{seed}\n\n" + "\n\n".join(
        " ".join(picked[i : i + 40]) for i in range(0, len(picked), 40)
    )


def drive(plan_path: Path, out_path: Path) -> int:
    """The load itself, in a process of its own: Locust monkey-patches the standard library
    with gevent when it is imported, which the orchestrating process must not be."""
    import gevent
    from locust import FastHttpUser, between, constant, events, task
    from locust.env import Environment
    from locust.stats import StatsEntry

    plan = json.loads(plan_path.read_text())
    servers: list[str] = plan["servers"]
    dice = random.Random(plan["seed"])
    pools = {kind: list(plan[kind]) for kind in ("candidates", "reviewers", "admins")}
    saves: dict[str, dict[str, dict[str, Any]]] = {"narratives": {}, "drafts": {}}
    completed: list[int] = []
    ready: list[str] = []

    def sent(kind: str, key: int, text: str) -> None:
        record = saves[kind].setdefault(str(key), {"acknowledged": 0, "last": None, "later": []})
        record["later"].append(text)

    def acknowledged(kind: str, key: int, text: str, version: int | None) -> None:
        record = saves[kind][str(key)]
        record["acknowledged"] += 1
        record["last"], record["later"] = [text, version], []

    class Person(FastHttpUser):  # type: ignore[misc]
        abstract = True
        # Between two actions a person reads or types; the editors autosave 1.5 s after the
        # typing pauses, so a writer saves every few seconds.
        wait_time = between(*plan["think_seconds"])
        host = servers[0]
        token = ""

        def url(self, path: str) -> str:
            return dice.choice(servers) + path  # the load balancer's pick, per request

        def page(self, path: str, name: str) -> str:
            with self.client.get(self.url(path), name=name, catch_response=True) as reply:
                if reply.status_code != 200:
                    reply.failure(f"{reply.status_code}")
                    return ""
                found = CSRF.search(reply.text or "")
                if found:
                    self.token = found.group(1)
                return reply.text or ""

        def sign_in(self, email: str) -> None:
            self.page("/sign-in", SIGN_IN)
            form = {"csrf_token": self.token, "email": email, "password": plan["password"]}
            with self.client.post(
                self.url("/sign-in"), data=form, name=SIGN_IN, catch_response=True
            ) as reply:
                if "Sign out" not in (reply.text or ""):
                    reply.failure(f"{email} could not sign in ({reply.status_code})")

        def post_json(self, path: str, name: str, ok: tuple[int, ...], **kwargs: Any) -> Any:
            headers = {"X-CSRFToken": self.token, "Accept": "application/json"}
            with self.client.post(
                self.url(path), name=name, headers=headers, catch_response=True, **kwargs
            ) as reply:
                if reply.status_code not in ok:
                    reply.failure(f"{reply.status_code}: {(reply.text or '')[:200]}")
                    return None
                try:
                    return reply.json()
                except ValueError:
                    reply.failure("not JSON")
                    return None

    class Candidate(Person):
        """Writes the narratives of their portfolio (autosaved), and uploads evidence."""

        def on_start(self) -> None:
            me = pools["candidates"].pop()
            self.email, self.entries = me["email"], me["entries"]
            self.versions: dict[int, int] = {}
            self.saves_left, self.current, self.count = 0, 0, 0
            self.sign_in(self.email)
            self.open_entry()
            if plan["every_path_once"]:
                self.upload()
            ready.append(self.email)

        def open_entry(self) -> None:
            self.current = dice.choice(self.entries)
            html = self.page(f"/me/portfolio/entries/{self.current}", "candidate: open a narrative")
            found = VERSION.search(html)
            if found:
                self.versions[self.current] = int(found.group(1))
            self.saves_left = dice.randint(3, 8)

        @task(10)
        def write(self) -> None:
            if self.saves_left <= 0 or self.current not in self.versions:
                self.open_entry()
                return
            self.saves_left -= 1
            self.count += 1
            text = words(
                f"{self.email} entry {self.current} save {self.count}", 40 + self.count * 8
            )
            sent("narratives", self.current, text)
            data = {"text": text, "version": str(self.versions[self.current])}
            body = self.post_json(
                f"/me/portfolio/entries/{self.current}/autosave",
                "candidate: autosave a narrative",
                (200,),
                data=data,
            )
            if body and body.get("saved") and isinstance(body.get("version"), int):
                self.versions[self.current] = body["version"]
                acknowledged("narratives", self.current, text, body["version"])
            else:
                self.saves_left = 0  # reload the page, as the editor asks after a problem

        @task(1)
        def upload(self) -> None:
            import hashlib

            import requests  # after Locust's monkey-patching, so it cooperates with gevent

            content = b"%PDF-1.7\n" + os.urandom(dice.randint(20_000, 200_000))
            began = self.post_json(
                "/api/uploads",
                "candidate: start an upload",
                (201,),
                json={
                    "filename": "evidence.pdf",
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "content_type": "application/pdf",
                },
            )
            if not began or "post" not in began:
                return
            upload_id, post = began["upload"]["id"], began["post"]
            started, problem = time.perf_counter(), None
            try:  # straight to the store, as the browser does: not through the app
                stored = requests.post(
                    post["url"],
                    data=post["fields"],
                    files={"file": ("evidence.pdf", content)},
                    timeout=60,
                )
                if stored.status_code not in (200, 201, 204):
                    problem = BenchError(f"the store answered {stored.status_code}")
            except requests.RequestException as exc:
                problem = exc
            events.request.fire(
                request_type="POST",
                name=STORE,
                response_time=(time.perf_counter() - started) * 1000,
                response_length=len(content),
                exception=problem,
                context={},
            )
            if problem:
                return
            done = self.post_json(
                f"/api/uploads/{upload_id}/complete", "candidate: finish an upload", (200, 202)
            )
            if done:
                completed.append(upload_id)
                self.client.get(
                    self.url(f"/api/uploads/{upload_id}"), name="candidate: look at an upload"
                )

    class Reviewer(Person):
        """Opens their reviews and rates them, the draft autosaved."""

        def on_start(self) -> None:
            me = pools["reviewers"].pop()
            self.email, self.assignments = me["email"], me["assignments"]
            self.state: dict[int, tuple[int, list[int]]] = {}
            self.saves_left, self.current, self.count = 0, 0, 0
            self.sign_in(self.email)
            self.open_review()
            if plan["every_path_once"] and self.current in self.state:
                self.submit()
                if self.assignments:
                    self.open_review()
            ready.append(self.email)

        def open_review(self) -> None:
            self.current = dice.choice(self.assignments)
            html = self.page(f"/review/assignments/{self.current}", "reviewer: open a review")
            found = VERSION.search(html)
            if found:
                competencies = sorted({int(c) for c in RATING.findall(html)})
                self.state[self.current] = (int(found.group(1)), competencies)
            self.saves_left = dice.randint(3, 8)

        @task(8)
        def rate(self) -> None:
            if not self.assignments:
                self.queue()  # every review of theirs is submitted: only the queue is left
                return
            if self.saves_left <= 0 and self.current in self.state and dice.random() < 0.3:
                self.submit()
                return
            if self.saves_left <= 0 or self.current not in self.state:
                self.open_review()
                return
            self.saves_left -= 1
            self.count += 1
            version, competencies = self.state[self.current]
            comment = f"{self.email} review {self.current} draft {self.count}"
            data = {"version": str(version), "overall_comment": comment}
            for competency in competencies:
                data[f"rating-{competency}"] = dice.choice(["met", "partially_met", "not_met"])
                data[f"comment-{competency}"] = words(f"{comment} {competency}", 12)
            sent("drafts", self.current, comment)
            body = self.post_json(
                f"/review/assignments/{self.current}/draft",
                "reviewer: autosave a draft",
                (200,),
                data=data,
            )
            if body and isinstance(body.get("version"), int):
                self.state[self.current] = (body["version"], competencies)
                acknowledged("drafts", self.current, comment, body["version"])
            else:
                self.saves_left = 0

        def submit(self) -> None:
            """Every competency met, with a comment: the review is final, and with the other
            review of the set already in, the set's outcome is emailed (the outbox's jobs)."""
            version, competencies = self.state.pop(self.current)
            self.assignments.remove(self.current)
            comment = f"{self.email} review {self.current} submitted"
            data = {"version": str(version), "overall_comment": comment, "action": "submit"}
            data["csrf_token"] = self.token
            for competency in competencies:
                data[f"rating-{competency}"] = "met"
                data[f"comment-{competency}"] = words(f"{comment} {competency}", 12)
            sent("drafts", self.current, comment)
            with self.client.post(
                self.url(f"/review/assignments/{self.current}"),
                data=data,
                name="reviewer: submit a review",
                allow_redirects=False,
                catch_response=True,
            ) as reply:
                if reply.status_code != 302:
                    reply.failure(f"{reply.status_code}: {(reply.text or '')[:200]}")
                    return
            acknowledged("drafts", self.current, comment, None)
            saves["drafts"][str(self.current)]["submitted"] = True

        @task(2)
        def queue(self) -> None:
            self.page("/review/", "reviewer: open the queue")

    class Administrator(Person):
        """Looks at the review queues and the cohorts."""

        def on_start(self) -> None:
            self.sign_in(pools["admins"].pop()["email"])
            ready.append("admin")

        @task(2)
        def reviews(self) -> None:
            self.page("/admin/reviews", "admin: reviews overview")

        @task(2)
        def unassigned(self) -> None:
            self.page("/admin/reviews/unassigned", "admin: unassigned queue")

        @task(2)
        def overdue(self) -> None:
            self.page("/admin/reviews/overdue", "admin: overdue queue")

        @task(2)
        def cohorts(self) -> None:
            self.page("/admin/cohorts", "admin: cohorts")

    class LoadBalancer(FastHttpUser):  # type: ignore[misc]
        """The baseline: a load balancer's health check of each server once a second, answered
        by the same servers under the same load at the same moment. Like a load balancer it
        does not wait for one answer before the next check, so a slow answer costs no
        samples."""

        fixed_count = 1
        wait_time = constant(1)
        host = servers[0]

        def on_start(self) -> None:
            ready.append("load balancer")

        @task
        def check(self) -> None:
            for server in servers:
                gevent.spawn(self.client.get, server + "/healthz", name=BASELINE)

    Candidate.fixed_count = len(pools["candidates"])
    Reviewer.fixed_count = len(pools["reviewers"])
    Administrator.fixed_count = len(pools["admins"])
    users = plan["users"] + 1  # and the load balancer
    env = Environment(
        user_classes=[Candidate, Reviewer, Administrator, LoadBalancer],
        events=events,
        stop_timeout=30,
    )
    runner = env.create_local_runner()
    load_before = [round(x, 2) for x in os.getloadavg()]
    runner.start(users, spawn_rate=max(4.0, users / 10))  # everyone signed in within ~10 s
    deadline = time.monotonic() + 180
    while len(ready) < users and time.monotonic() < deadline:
        gevent.sleep(0.1)
    setup_errors = [f"{e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()]
    answered_before = env.stats.total.num_requests
    env.stats.reset_all()
    window_started = time.monotonic()
    gevent.sleep(plan["seconds"])
    measured = time.monotonic() - window_started
    entries = {name: entry for (name, _method), entry in env.stats.entries.items()}
    errors = [f"{e.method} {e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()]

    def figures(entry: StatsEntry) -> dict[str, Any]:
        return {
            "requests": entry.num_requests,
            "errors": entry.num_failures,
            "rps": round(entry.num_requests / measured, 1),
            "p50_ms": entry.get_response_time_percentile(0.5) or 0,
            "p95_ms": entry.get_response_time_percentile(0.95) or 0,
            "p99_ms": entry.get_response_time_percentile(0.99) or 0,
            "mean_ms": round(entry.avg_response_time, 1),
        }

    kinds = {name: figures(entry) for name, entry in sorted(entries.items())}
    app = StatsEntry(env.stats, "app", "")
    for name, entry in entries.items():
        if name not in (STORE, BASELINE):
            app.extend(entry)
    app_figures = figures(app)
    baseline = kinds.get(BASELINE) or {"p95_ms": 0, "p50_ms": 0}
    runner.stop()  # each person finishes what they were doing (stop_timeout)
    runner.quit()
    answered = answered_before + env.stats.total.num_requests  # sign-ins and the tail too
    total_errors = sum(k["errors"] for k in kinds.values())
    out_path.write_text(
        json.dumps(
            {
                "figures": {
                    "measured_seconds": round(measured, 1),
                    "requests_per_second": round(
                        sum(e.num_requests for e in entries.values()) / measured, 1
                    ),
                    "error_count": total_errors,
                    "errors": errors,
                    "setup_errors": setup_errors,
                    "signed_in": len(ready),
                    "kinds": kinds,
                    "app": app_figures,
                    "baseline": baseline,
                    "ratio": round(app_figures["p95_ms"] / max(baseline["p95_ms"], 1), 2),
                    "ratio_p50": round(app_figures["p50_ms"] / max(baseline["p50_ms"], 1), 2),
                },
                "requests_in_all": answered,
                "saves": saves,
                "uploads_completed": completed,
                "load_before": load_before,
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )
    return 0


# ---------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> dict[str, Any]:
    from portfolio.services.certification.issuer import new_secret_key

    people = split(args.users)
    think = [float(x) for x in args.think.split("-")]
    plan = {**people, "background": args.candidates}
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as folder,
        fresh_database() as url,
        redis_database() as redis_url,
        object_store() as store,
        smtp_server() as (mailbox, smtp_port),
    ):
        work = Path(folder)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            # Development's settings over plain HTTP, with production's moving parts: a shared
            # database, Redis for rate limits and the task queue, S3, and a real SMTP server.
            "PORTFOLIO_ENV": "development",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "TASK_BROKER_URL": redis_url,
            "OBJECT_STORE_URL": f"s3://{BUCKET}",
            "S3_ENDPOINT_URL": store,
            "S3_ACCESS_KEY_ID": "testing",
            "S3_SECRET_ACCESS_KEY": "testing",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "MAIL_SUPPRESS_SEND": "false",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            # One issuer key for both hosts, as production configures it (not one each in
            # instance/, which both servers would race to make).
            "BADGE_SIGNING_KEYS": new_secret_key(),
            **ARGON2,
        }
        env.pop("RATELIMIT_STORAGE_URI", None)
        worker_log = work / "worker.log"
        # They import the app while the database is seeded (none of them reads it at start).
        note("starting two gunicorn servers and a Celery worker")
        worker = start_worker(env, worker_log)
        servers = [start_server(env, args.workers, work / f"server{n}.log") for n in (1, 2)]
        processes = [worker] + [p for p, _ in servers]
        bases = [base for _, base in servers]
        try:
            note(f"seeding {args.candidates} candidates in review and {people}")
            t = time.perf_counter()
            accounts = seed(url, plan)
            seed_seconds = time.perf_counter() - t
            note("seeded; waiting for the servers and the worker")
            wait_until(
                lambda: " ready." in worker_log.read_text(errors="replace"),
                "the Celery worker",
                120,
                processes,
            )
            for base in bases:
                wait_until(lambda b=base: healthy(b), f"gunicorn at {base}", 120, processes)
            plan_file, out_file = work / "plan.json", work / "driven.json"
            plan_file.write_text(
                json.dumps(
                    {
                        "servers": bases,
                        "seconds": args.seconds,
                        "users": args.users,
                        "seed": args.seed,
                        "think_seconds": think,
                        # The smoke run is too short for chance to reach every path: each
                        # candidate uploads and each reviewer submits once as they start.
                        "every_path_once": args.smoke,
                        **accounts,
                    }
                )
            )
            note(f"driving {args.users} users for {args.seconds} s")
            server_pids = [process.pid for process, _base in servers]
            cpu_before = cpu_seconds(server_pids), cpu_seconds([worker.pid])
            t = time.perf_counter()
            driver = subprocess.run(
                [sys.executable, __file__, "--drive", str(plan_file), "--out", str(out_file)],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                check=False,
                timeout=args.seconds + 600,
            )
            drive_seconds = time.perf_counter() - t
            cpu_after = cpu_seconds(server_pids), cpu_seconds([worker.pid])
            if driver.returncode != 0 or not out_file.exists():
                raise BenchError(f"the load driver failed (exit {driver.returncode})")
            driven = json.loads(out_file.read_text())
            note("checking that nothing was lost")
            checks = check_nothing_lost(url, driven, worker_log, mailbox, wait=120)
            server_errors = [
                line
                for n in (1, 2)
                for line in (work / f"server{n}.log").read_text(errors="replace").splitlines()
                if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line
            ]
        except BaseException:
            for name in ("worker.log", "server1.log", "server2.log"):
                path = work / name
                if path.exists():
                    print(f"--- {name} ends:\n{path.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            note("stopping")
            # The worker has nothing left to do by now (the checks waited for its jobs), and its
            # warm or cold shutdown takes seconds here: killed, as a crashed host's would be.
            with suppress(ProcessLookupError):
                worker.kill()
            for process, _base in servers:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGQUIT)  # gunicorn's quick shutdown
            for process, _base in servers:
                # Its workers take seconds to exit on a busy machine; nothing is left to finish.
                with suppress(subprocess.TimeoutExpired):
                    process.wait(1)
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)  # the server's own process group
            for process in processes:
                stop(process)
            note("stopped; dropping the database")
    note("done")
    return {
        "smoke": args.smoke,
        "users": args.users,
        "people": people,
        "seconds": args.seconds,
        "think_seconds": think,
        "gunicorn_workers_per_server": args.workers,
        "background_candidates": args.candidates,
        "seed_seconds": round(seed_seconds, 1),
        "drive_seconds": round(drive_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "load_average_before": driven["load_before"],
        "load_average_after": driven["load_after"],
        **driven["figures"],
        # Where the time went: the servers' CPU per request answered, and their share of the
        # machine's CPU while the people were driven (a busy machine starves them).
        "servers_cpu_seconds": round(cpu_after[0] - cpu_before[0], 1),
        "servers_cpu_ms_per_request": round(
            (cpu_after[0] - cpu_before[0]) * 1000 / max(driven["requests_in_all"], 1), 1
        ),
        "servers_share_of_machine": round(
            (cpu_after[0] - cpu_before[0]) / (drive_seconds * (os.cpu_count() or 1)), 2
        ),
        "queue_worker_cpu_seconds": round(cpu_after[1] - cpu_before[1], 1),
        "server_log_errors": server_errors[:20],
        "checks": checks,
    }


def summary(report: dict[str, Any]) -> None:
    print(
        f"{report['users']} users ({report['people']}, {report['think_seconds']} s between "
        f"actions) for {report['seconds']} s on two "
        f"servers of {report['gunicorn_workers_per_server']} gunicorn workers; load average "
        f"{report['load_average_before']} before, {report['load_average_after']} after"
    )
    print(f"{'kind':40} {'requests':>8} {'errors':>6} {'rps':>7} {'p50':>6} {'p95':>6} {'p99':>6}")
    for name, kind in report["kinds"].items():
        print(
            f"{name:40} {kind['requests']:8} {kind['errors']:6} {kind['rps']:7} "
            f"{kind['p50_ms']:6} {kind['p95_ms']:6} {kind['p99_ms']:6}"
        )
    app = report["app"]
    print(
        f"{'the app (all but the store)':40} {app['requests']:8} {app['errors']:6} "
        f"{app['rps']:7} {app['p50_ms']:6} {app['p95_ms']:6} {app['p99_ms']:6}"
    )
    print(f"ratio p95 app / p95 baseline: {report['ratio']}")
    print(
        f"servers' CPU: {report['servers_cpu_ms_per_request']} ms per request answered; they "
        f"had {report['servers_share_of_machine']:.0%} of the machine's CPU while driven"
    )
    for error in report["errors"][:10]:
        print(f"error: {error}")
    print(f"checks: {report['checks']}")
    verdict = report["target"]
    print(f"target (0 errors, p95 < 250 ms, nothing lost): {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument(
        "--think",
        default="2-8",
        help="seconds each person waits between two actions, drawn evenly from MIN-MAX",
    )
    parser.add_argument(
        "--candidates", type=int, default=1000, help="background candidates (reviews, cohorts)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="the simulated people's dice")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a run of seconds that only proves the bench works (make test): "
        "4 users for 3 s, 50 background candidates, 0.3-1 s between actions, 1 worker a server",
    )
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        return drive(Path(args.drive), Path(args.out))
    if args.smoke:
        args.users, args.seconds, args.candidates, args.think = 4, 3, 50, "0.3-1"
        args.workers = 1
    if not re.fullmatch(r"\d+(\.\d+)?-\d+(\.\d+)?", args.think):
        parser.error("--think must be MIN-MAX in seconds, e.g. 2-8")
    if args.users < 3:
        parser.error("--users must be at least 3 (a candidate, a reviewer, an administrator)")
    try:
        report = run(args)
    except BenchError as exc:
        print(f"bench/load.py: {exc}", file=sys.stderr)
        return 1
    app = report["app"]
    report["target"] = {
        "no_errors": app["errors"] == 0 and report["kinds"].get(STORE, {}).get("errors", 0) == 0,
        "p95_under_250_ms": app["p95_ms"] < 250,
        "nothing_lost": report["checks"]["nothing_lost"],
    }
    summary(report)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
