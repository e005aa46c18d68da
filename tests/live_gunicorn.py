"""The app under gunicorn in processes of its own, for fault tests that kill a worker mid-request.

PostgreSQL only: the server runs as in production (gunicorn with --preload, so the master imports
the app once and a replacement worker is a quick fork) on the test run's database, against moto
behind a store proxy the test can hold or cut (tests/store_proxy.py). One server per test module;
each test gets it through `gunicorn`, which sees the store restored and a worker answering
afterwards. A test stops the worker at a point of its choosing with something real (the store
proxy holding a request, or tests/committed_data.py's `table_locked` making a write wait), then
`kill_workers`.

The fixtures are a plugin (tests/conftest.py's pytest_plugins); import only the helpers.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from portfolio.storage.s3 import S3Store
from tests.helpers import DEFAULT_PASSWORD, free_port
from tests.store_proxy import StoreProxy

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
START_TIMEOUT = 60.0


@dataclass
class LiveServer:
    base: str
    master: int
    proxy: StoreProxy
    bucket: str

    def workers(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.master)], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill_workers(self) -> None:
        """SIGKILL every worker: no handler, no rollback, no goodbye to the database."""
        for worker in self.workers():
            os.kill(worker, signal.SIGKILL)

    def wait_until_answering(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/sign-in", timeout=30).ok:
                    return
            except requests.RequestException:  # not listening yet, or a worker is starting
                pass
            time.sleep(0.2)
        pytest.fail("gunicorn did not answer")

    def store(self) -> S3Store:
        endpoint = self.proxy.endpoint
        return S3Store(
            self.bucket, endpoint_url=endpoint, access_key="testing", secret_key="testing"
        )


class Browser:
    """One person's browser on the live server: cookies, and the CSRF token of each form."""

    def __init__(self, server: LiveServer) -> None:
        self.base = server.base
        self.http = requests.Session()

    def token(self, path: str) -> str:
        page = self.http.get(self.base + path, timeout=30)
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on {path} (status {page.status_code})"
        return match.group(1)

    def sign_in(self, email: str, password: str = DEFAULT_PASSWORD) -> Browser:
        data = {"csrf_token": self.token("/sign-in"), "email": email, "password": password}
        reply = self.http.post(self.base + "/sign-in", data=data, timeout=30)
        assert reply.ok and "Sign out" in reply.text, f"{email} could not sign in"
        return self

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.post(self.base + path, data=data, **kwargs)

    def post_once_a_worker_answers(
        self, path: str, data: dict[str, str], **kwargs: Any
    ) -> requests.Response:
        """The user pressing the button again: retried while the master replaces the worker."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                return self.post(path, data, allow_redirects=False, **kwargs)
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "no worker came back"
                time.sleep(0.2)


def in_background(call: Callable[..., Any], *args: Any, **kwargs: Any) -> threading.Thread:
    """Start a request the test will kill the worker under (its failure is the point)."""

    def quietly() -> None:
        with contextlib.suppress(requests.RequestException):
            call(*args, **kwargs)

    thread = threading.Thread(target=quietly, daemon=True)
    thread.start()
    return thread


@contextlib.contextmanager
def serving(
    database_url: str,
    moto_endpoint: str,
    s3_admin: Any,
    settings: dict[str, str] | None = None,
    gunicorn_timeout: int | None = None,
) -> Iterator[LiveServer]:
    """gunicorn with one worker on the test database, a bucket of its own behind a store proxy;
    `settings` add to or replace the environment below, `gunicorn_timeout` replaces
    gunicorn.conf.py's (tests shorten every timeout, so a request the worker timeout would
    kill fails quickly)."""
    bucket = f"live-{uuid.uuid4().hex[:16]}"
    s3_admin.create_bucket(Bucket=bucket)
    proxy = StoreProxy(moto_endpoint)
    proxy.thread.start()
    port = free_port()
    env = {
        **os.environ,
        "PORTFOLIO_ENV": "testing",
        "DATABASE_URL": database_url,
        "OBJECT_STORE_URL": f"s3://{bucket}",
        "S3_ENDPOINT_URL": proxy.endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_READ_TIMEOUT": "60",  # the proxy, not a timeout, decides when a held read ends
        "SECRET_KEY": "live-gunicorn-test",
        "MAIL_SUPPRESS_SEND": "true",
        # No broker: an upload check runs in the web worker right after complete's commit. A
        # check whose run was killed may be taken over a second after it began.
        "UPLOAD_CHECK_LEASE_SECONDS": "1",
        **(settings or {}),
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]  # production's
    if gunicorn_timeout is not None:
        command += ["--timeout", str(gunicorn_timeout)]
    command += ["-w", "1", "-b", f"127.0.0.1:{port}", "--preload", "portfolio:create_app()"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process.pid, proxy, bucket)
    try:
        server.wait_until_answering()
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        proxy.restore()
        proxy.server.shutdown()
        proxy.server.server_close()


@pytest.fixture(scope="module")
def gunicorn_server(
    app: Any, database_url: str, moto_endpoint: str, s3_admin: Any
) -> Iterator[LiveServer]:
    """gunicorn with one worker on the test database (its tables made by `app`), one per module."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: the server and the test share committed data")
    with serving(database_url, moto_endpoint, s3_admin) as server:
        yield server


@pytest.fixture
def gunicorn(gunicorn_server: LiveServer, committed_engine: Engine) -> Iterator[LiveServer]:
    """The module's server for one test whose rows are committed (and removed afterwards)."""
    gunicorn_server.wait_until_answering()
    yield gunicorn_server
    gunicorn_server.proxy.restore()
