"""A cuttable HTTP proxy in front of moto's S3 server, for fault tests.

Requests pass through to moto unchanged (the store signs for the proxy's host, and moto
checks no signatures), except those the test says must fail: they get S3's own 503
ServiceUnavailable, as a store in trouble answers. The test decides by method and path, so
it can let a copy through and fail the reads that follow, or fail only deletions.
"""

from __future__ import annotations

import http.client
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

Rule = Callable[[str, str, dict[str, str]], bool]  # (method, path, headers) -> fail it?
HOP_BY_HOP = ("transfer-encoding", "connection", "content-length")
UNAVAILABLE = b"<Error><Code>ServiceUnavailable</Code><Message>cut</Message></Error>"
NOT_IMPLEMENTED = b"<Error><Code>NotImplemented</Code><Message>not here</Message></Error>"


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up on a held or refused request (a timeout, a killed worker) is
        # what these tests make happen; anything else is reported as usual.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class StoreProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.failing: Rule | None = None
        self.failure = (503, UNAVAILABLE)  # what a request `failing` picks is answered
        self.failed: list[tuple[str, str]] = []
        self.holding: Rule | None = None
        self.held = threading.Event()  # set once a request is being held
        self.release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = dict(self.headers.items())
                hold = proxy.holding
                if hold is not None and hold(self.command, self.path, headers):
                    proxy.held.set()
                    proxy.release.wait(60)  # a store that has gone slow
                rule = proxy.failing
                if rule is not None and rule(self.command, self.path, headers):
                    proxy.failed.append((self.command, self.path))
                    status, error = proxy.failure
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(error)
                    return
                connection = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=30
                )
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    reply = connection.getresponse()
                    data = reply.read()
                    self.send_response(reply.status)
                    for name, value in reply.getheaders():
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                    # A HEAD's length is the object's, not that of the (empty) body.
                    head = self.command == "HEAD"
                    length_of = reply.getheader("Content-Length") if head else None
                    self.send_header("Content-Length", length_of or str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    connection.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail(self, rule: Rule) -> None:
        """From now on, answer 503 to every request `rule` picks."""
        self.failure = (503, UNAVAILABLE)
        self.failing = rule

    def lack(self, rule: Rule) -> None:
        """From now on, answer every request `rule` picks as a store without that operation
        does (some S3-compatible stores): 501 NotImplemented."""
        self.failure = (501, NOT_IMPLEMENTED)
        self.failing = rule

    def hold(self, rule: Rule) -> None:
        """From now on, keep every request `rule` picks waiting until `restore`."""
        self.release.clear()
        self.held.clear()
        self.holding = rule

    def let_go(self) -> None:
        """Stop holding: the requests held so far go on (and meet any rule set by `fail`)."""
        self.holding = None
        self.release.set()

    def restore(self) -> None:
        self.failing = None
        self.holding = None
        self.release.set()


def reads(method: str, _path: str, _headers: dict[str, str]) -> bool:
    return method == "GET"


def deletions(method: str, _path: str, _headers: dict[str, str]) -> bool:
    return method == "DELETE" or (method == "POST" and "?delete" in _path)


@pytest.fixture
def store_proxy(moto_endpoint: str) -> Iterator[StoreProxy]:
    proxy = StoreProxy(moto_endpoint)
    proxy.thread.start()
    yield proxy
    proxy.server.shutdown()
    proxy.server.server_close()
