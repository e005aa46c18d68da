"""Fixtures for the storage tests: moto's real S3 HTTP server, and local stores on a tmp dir.

The fixtures are a plugin (tests/conftest.py's pytest_plugins): ask for them by name; import
only the helpers.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from portfolio.storage.local import LocalStore
from portfolio.storage.s3 import S3Store

TEST_SECRET = "storage-test-secret"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of moto's S3 server, run in a thread on a free port for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def boto_session() -> boto3.session.Session:
    """One boto3 session for every test client: building clients from it is quick."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


@pytest.fixture(scope="session")
def s3_admin(moto_endpoint: str, boto_session: boto3.session.Session) -> Any:
    """A plain boto3 client on the moto server, to set up buckets and objects."""
    config = Config(s3={"addressing_style": "path"}, signature_version="s3v4")
    return boto_session.client("s3", endpoint_url=moto_endpoint, config=config)


@pytest.fixture
def s3_bucket(s3_admin: Any) -> str:
    """A new, empty bucket for each test, so listings see only that test's objects."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3_admin.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(moto_endpoint: str, s3_bucket: str, boto_session: boto3.session.Session) -> S3Store:
    return S3Store(
        s3_bucket,
        endpoint_url=moto_endpoint,
        region="us-east-1",
        access_key="testing",
        secret_key="testing",
        session=boto_session,
    )


def closed_port() -> int:
    """A local port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A server that accepts connections and never answers: every request times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


class _Always503(BaseHTTPRequestHandler):
    def _fail(self) -> None:
        body = b"<Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>"
        self.send_response(503)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _fail

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def failing_endpoint() -> Iterator[str]:
    """A server that answers every request with 503 Service Unavailable."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Always503)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Clock:
    """A clock the test moves by hand, for link expiry."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def local_url(purpose: str, token: str) -> str:
    """Stands in for the app's url_for: the route for `purpose`, carrying the token."""
    return f"http://localhost/files/{purpose}/{token}"


@pytest.fixture
def local_store(tmp_path: Path, clock: Clock) -> LocalStore:
    """A local store on a fresh folder; parts may be small so tests stay quick."""
    return LocalStore(tmp_path / "objects", TEST_SECRET, local_url, min_part_bytes=16, clock=clock)
