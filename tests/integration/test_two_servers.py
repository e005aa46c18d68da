"""Two web hosts behind a load balancer: whichever server a request reaches, it works.

PostgreSQL and Redis: two gunicorn servers in processes of their own (standing in for two hosts)
share the test run's database, its Redis (rate limits) and one object store, as production's
hosts do. A browser's session and CSRF token from one are taken by the other, a rate limit
counts the requests of both, and an upload started on one finishes on the other. Production
itself refuses to keep rate limits per process (config.check_production).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import check_production, load_config
from portfolio.models import Portfolio, UploadStatus
from portfolio.services.accounts.hashing import hash_password
from tests.helpers import DEFAULT_PASSWORD, free_port
from tests.live_gunicorn import CSRF, ROOT, START_TIMEOUT, Browser, LiveServer
from tests.portfolio_fixtures import enroll, make_framework
from tests.store_proxy import StoreProxy
from tests.upload_helpers import pdf_bytes, sha256_hex

PREVIEWS_A_MINUTE = 4
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')


def start_server(
    env: dict[str, str], proxy: StoreProxy, bucket: str
) -> tuple[subprocess.Popen[bytes], LiveServer]:
    """gunicorn as production runs it, with one worker, on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]  # production's
    command += ["-w", "1", "-b", f"127.0.0.1:{port}", "--preload", "portfolio:create_app()"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return process, LiveServer(f"http://127.0.0.1:{port}", process.pid, proxy, bucket)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def servers(
    app: Any, database_url: str, redis_url: str, moto_endpoint: str, s3_admin: Any
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two gunicorn servers of the same settings on the test run's database and Redis."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: the servers and the test share committed data")
    bucket = f"two-{uuid.uuid4().hex[:16]}"
    s3_admin.create_bucket(Bucket=bucket)
    proxy = StoreProxy(moto_endpoint)
    proxy.thread.start()
    env = {
        **os.environ,
        "PORTFOLIO_ENV": "testing",
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "PREVIEW_LIMIT": f"{PREVIEWS_A_MINUTE} per minute",
        "OBJECT_STORE_URL": f"s3://{bucket}",
        "S3_ENDPOINT_URL": proxy.endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "SECRET_KEY": "two-servers-test",  # every host signs sessions with the same key
        "MAIL_SUPPRESS_SEND": "true",
    }
    started = [start_server(env, proxy, bucket) for _ in range(2)]
    first, second = (server for _process, server in started)
    try:
        first.wait_until_answering(START_TIMEOUT)
        second.wait_until_answering(START_TIMEOUT)
        yield first, second
    finally:
        for process, _server in started:
            stop_server(process)
        proxy.server.shutdown()
        proxy.server.server_close()


@pytest.fixture
def candidate(committed_engine: Any) -> str:
    """A candidate who can sign in, enrolled with a portfolio; their email."""
    tag = uuid.uuid4().hex[:8]
    with Session(committed_engine) as setup:
        framework = make_framework(setup, slug=f"two-{tag}")
        enrolled = enroll(setup, framework, f"two-{tag}@example.org")
        enrolled.user.password_hash = hash_password(DEFAULT_PASSWORD)
        setup.commit()
        return enrolled.user.email


def on(server: LiveServer, browser: Browser) -> Browser:
    """The same browser (cookies and all), now sending its requests to `server`."""
    moved = Browser(server)
    moved.http = browser.http
    return moved


def statement_form(browser: Browser) -> tuple[str, str]:
    """The CSRF token and the version of the learning statement's form."""
    page = browser.http.get(browser.base + "/me/portfolio/statement", timeout=30)
    assert page.status_code == 200, page.status_code
    token = CSRF.search(page.text)
    version = VERSION.search(page.text)
    assert token and version, "no form on the statement page"
    return token.group(1), version.group(1)


@pytest.mark.postgres_only
def test_a_session_and_its_csrf_token_from_one_server_are_taken_by_the_other(
    servers, candidate, committed_engine
):
    first, second = servers
    on_first = Browser(first).sign_in(candidate)
    token, version = statement_form(on_first)
    on_second = on(second, on_first)

    saved = on_second.http.post(
        second.base + "/me/portfolio/statement/autosave",
        data={"text": "Written on host A, saved on host B.", "version": version},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        timeout=30,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["saved"] is True
    page = on_first.http.get(first.base + "/me/portfolio/statement", timeout=30)
    assert "Written on host A, saved on host B." in page.text
    with Session(committed_engine) as check:
        stored = check.scalars(select(Portfolio.learning_statement)).all()
    assert "Written on host A, saved on host B." in stored

    # The other server still checks the token: a made-up one is refused, nothing is saved.
    forged = on_second.http.post(
        second.base + "/me/portfolio/statement/autosave",
        data={"text": "Forged.", "version": str(saved.json()["version"])},
        headers={"X-CSRFToken": "not-the-token", "Accept": "application/json"},
        timeout=30,
    )
    assert forged.status_code == 400
    assert "Forged." not in on_first.http.get(first.base + "/me/portfolio/statement").text

    # Signing out on one server ends the session on both.
    signed_out = on_second.http.post(
        second.base + "/sign-out", data={"csrf_token": token}, timeout=30
    )
    assert signed_out.ok
    again = requests.Session()
    again.cookies.update(on_first.http.cookies)
    after = again.get(first.base + "/me/portfolio/statement", timeout=30, allow_redirects=False)
    assert after.status_code == 302 and "/sign-in" in after.headers["Location"]


@pytest.mark.postgres_only
def test_a_rate_limit_counts_the_requests_of_both_servers(servers, candidate):
    browser = Browser(servers[0]).sign_in(candidate)
    token, _version = statement_form(browser)
    answers = []
    for n in range(PREVIEWS_A_MINUTE + 2):
        server = servers[n % 2]  # A, B, A, B, ...
        reply = browser.http.post(
            server.base + "/me/portfolio/preview",
            data={"text": f"Preview number {n}"},
            headers={"X-CSRFToken": token, "Accept": "application/json"},
            timeout=30,
        )
        answers.append(reply.status_code)
    # Kept apart, each server would allow PREVIEWS_A_MINUTE: all six would pass.
    assert answers == [200] * PREVIEWS_A_MINUTE + [429, 429], answers


@pytest.mark.postgres_only
def test_an_upload_started_on_one_server_is_finished_on_the_other(servers, candidate):
    first, second = servers
    on_first = Browser(first).sign_in(candidate)
    headers = {"X-CSRFToken": on_first.token("/me/")}
    content = pdf_bytes(3000)
    started = on_first.http.post(
        first.base + "/api/uploads",
        json={"filename": "minutes.pdf", "size": len(content), "sha256": sha256_hex(content)},
        headers=headers,
        timeout=30,
    )
    assert started.status_code == 201, started.text
    post = started.json()["post"]
    sent = requests.post(
        post["url"], data=post["fields"], files={"file": ("b", content)}, timeout=30
    )
    assert sent.status_code in (200, 201, 204)
    upload_id = started.json()["upload"]["id"]

    on_second = on(second, on_first)
    completed = on_second.http.post(
        f"{second.base}/api/uploads/{upload_id}/complete", headers=headers, timeout=60
    )
    assert completed.status_code in (200, 202), completed.text
    deadline = time.monotonic() + 30
    while True:  # as the widget does: ask again, here of the first server
        shown = on_first.http.get(f"{first.base}/api/uploads/{upload_id}", timeout=30)
        upload = shown.json()["upload"]
        if upload["status"] != "checking" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert upload["status"] == UploadStatus.VERIFIED.value, upload


@pytest.mark.database_independent
def test_production_refuses_to_keep_rate_limits_in_each_process(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/portfolio")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(SystemExit, match="set REDIS_URL"):
        check_production(load_config("production"))

    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    settings = load_config("production")
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/0"
    check_production(settings)  # starts
