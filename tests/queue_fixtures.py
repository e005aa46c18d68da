"""The real task queue for tests: Redis on 127.0.0.1:6379 and a Celery worker subprocess.

A plugin (tests/conftest.py's pytest_plugins). Redis is started when it does not answer (a
fresh machine has it installed but perhaps not running); the run takes a database number of its
own (the first free one from 15 down, claimed with a key) and flushes it before and after. The
worker (`celery -A portfolio.worker worker --pool=solo -c1`) starts once per session and is
shared; a test may kill it and start it again. The queue's app and worker share PostgreSQL (the
tests commit for real), moto's S3 behind a cuttable proxy, and the session's SMTP server.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from flask import Flask

from portfolio import create_app
from tests.helpers import Mailbox
from tests.store_proxy import StoreProxy

ROOT = Path(__file__).resolve().parents[1]
CLAIM = "portfolio-tests:claimed-by"
QUEUE = "portfolio"  # the Redis list of the default queue (celery task_default_queue)
T = TypeVar("T")


def wait_for(check: Callable[[], T], what: str, timeout: float = 30.0) -> T:
    """Poll `check` until it returns something true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {result!r})")
        time.sleep(0.1)


def _ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    server = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    if not _ping(server):
        if shutil.which("redis-server") is None:
            pytest.fail("Redis is needed for the task-queue tests: apt-get install redis-server")
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "-::1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: _ping(server), "Redis to start", timeout=10)
    for number in range(15, 0, -1):
        client = redis.Redis(host="127.0.0.1", port=6379, db=number)
        if client.set(CLAIM, os.getpid(), nx=True, ex=6 * 3600):
            if client.dbsize() == 1:
                break
            client.delete(CLAIM)  # someone else keeps data here without claiming it
    else:
        pytest.fail("no free Redis database for this test run")
    client.flushdb()
    client.set(CLAIM, os.getpid(), ex=6 * 3600)
    yield f"redis://127.0.0.1:6379/{number}"
    client.flushdb()


@pytest.fixture(scope="session")
def queue_store_proxy(moto_endpoint: str) -> Iterator[StoreProxy]:
    proxy = StoreProxy(moto_endpoint)
    proxy.thread.start()
    yield proxy
    proxy.restore()
    proxy.server.shutdown()
    proxy.server.server_close()


@pytest.fixture(scope="session")
def queue_settings(
    app: Flask,  # made the tables
    database_url: str,
    redis_url: str,
    smtp_server: tuple[Mailbox, int],
    queue_store_proxy: StoreProxy,
    s3_admin: Any,
) -> dict[str, str]:
    """Settings (as environment strings) shared by the queue's app and its worker."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: the worker is another process on the same database")
    bucket = f"queue-{uuid.uuid4().hex[:12]}"
    s3_admin.create_bucket(Bucket=bucket)
    return {
        "DATABASE_URL": database_url,
        "TASK_BROKER_URL": redis_url,
        "SECRET_KEY": "task-queue-tests",
        "OBJECT_STORE_URL": f"s3://{bucket}",
        "S3_ENDPOINT_URL": queue_store_proxy.endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_READ_TIMEOUT": "60",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server[1]),
        "MAIL_SUPPRESS_SEND": "false",
        "PUBLIC_BASE_URL": "http://localhost",
        # Short, so a killed worker's job and claim come back within a test.
        "TASK_VISIBILITY_TIMEOUT": "2",
        "UPLOAD_CHECK_LEASE_SECONDS": "1",
        "TASK_MAX_RETRIES": "4",
        "TASK_RETRY_BACKOFF_MAX": "2",
        # Files over 1 MiB go in 5 MiB parts (S3's smallest), so a few MB make a staged upload.
        "UPLOAD_SINGLE_POST_MAX": str(1024 * 1024),
        "UPLOAD_PART_BYTES": str(5 * 1024 * 1024),
    }


def _typed(settings: dict[str, str]) -> dict[str, object]:
    numbers = {
        "MAIL_PORT",
        "S3_READ_TIMEOUT",
        "TASK_VISIBILITY_TIMEOUT",
        "UPLOAD_CHECK_LEASE_SECONDS",
        "TASK_MAX_RETRIES",
        "TASK_RETRY_BACKOFF_MAX",
        "UPLOAD_SINGLE_POST_MAX",
        "UPLOAD_PART_BYTES",
    }
    typed: dict[str, object] = {
        key: int(value) if key in numbers else value for key, value in settings.items()
    }
    typed["MAIL_SUPPRESS_SEND"] = False
    return typed


def queue_app_with(settings: dict[str, str], **overrides: object) -> Flask:
    """An app of the test process that queues to the broker in `settings` (or `overrides`)."""
    return create_app(
        {
            "ENV_NAME": "testing",
            "RATELIMIT_STORAGE_URI": "memory://",
            **_typed(settings),
            **overrides,
        }
    )


@pytest.fixture(scope="session")
def queue_app(queue_settings: dict[str, str]) -> Flask:
    """The web side: requests from its test client commit for real and queue to Redis."""
    return queue_app_with(queue_settings)


class Worker:
    """`celery -A portfolio.worker worker --pool=solo -c1` in a subprocess."""

    def __init__(self, settings: dict[str, str], log: Path) -> None:
        self.env = {**os.environ, "PORTFOLIO_ENV": "testing", "PYTHONPATH": str(ROOT), **settings}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.write_text("")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portfolio.worker",
                    "worker",
                    "--pool=solo",
                    "-c",
                    "1",
                    "-Q",
                    QUEUE,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "info",
                    "-n",
                    f"tests-{uuid.uuid4().hex[:6]}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._ready, "the Celery worker to start", timeout=60)

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"the worker exited:\n{self.output()[-4000:]}")
        return " ready." in self.output()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged or handed back."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def worker(
    queue_settings: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    worker = Worker(queue_settings, tmp_path_factory.mktemp("worker") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def redis_client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)
