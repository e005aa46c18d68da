"""Shared fixtures: one app per test session, one rolled-back transaction per test.

The database comes from TEST_DATABASE_URL (PostgreSQL, made by tests/run_suite.py) or is a
SQLite file in a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from config import TestingConfig
from portfolio import create_app
from portfolio.extensions import db, limiter
from portfolio.models import Base
from portfolio.services.accounts import hashing
from tests.helpers import Mailbox, free_port

# Fixture modules are plugins, loaded once for the whole run: a test module asks for their
# fixtures by name and imports only plain helpers from them. (A fixture imported into a test
# module becomes a copy of its own there: a session fixture would start once per module.)
pytest_plugins = [
    "pytester",
    "tests.guards",
    "tests.application_fixtures",
    "tests.portfolio_fixtures",
    "tests.storage_fixtures",
    "tests.upload_helpers",
    "tests.store_proxy",
    "tests.committed_data",
    "tests.queue_fixtures",
    "tests.live_gunicorn",
]

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # tests/run_suite.py runs the integration tests on SQLite and again on PostgreSQL; a test
    # that never touches the run's database would only repeat itself there.
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    once = pytest.mark.skip(reason="independent of the database: runs in the SQLite pass")
    for item in items:
        if item.get_closest_marker("database_independent"):
            item.add_marker(once)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app_settings(
    database_url: str, smtp_server: tuple[Mailbox, int], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    _mailbox, port = smtp_server
    return {
        "ENV_NAME": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SUPPRESS_SEND": False,
        "OBJECT_STORE_URL": f"file://{tmp_path_factory.mktemp('objects')}",
        "PUBLIC_BASE_URL": "http://localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def _forget_the_previous_request(sender: Flask, **_extra: object) -> None:
    # While a test holds the `session` fixture's app context, Flask reuses it for every request,
    # so `g` would carry one request's signed-in user and CSRF token into the next one.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


@pytest.fixture(scope="session")
def app(app_settings: dict[str, object]) -> Iterator[Flask]:
    app = create_app(app_settings)
    request_started.connect(_forget_the_previous_request, app)
    engine = db.engine_for(app)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield app
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def connection(app: Flask) -> Iterator[Connection]:
    """A connection in an outer transaction that is rolled back after the test."""
    engine = db.engine_for(app)
    with engine.connect() as conn:
        outer = conn.begin()
        # Every session of this test (one per request) joins the outer transaction; their
        # commits release savepoints, so the test ends with nothing written.
        try:
            with db.sessions_joining(app, conn):
                yield conn
            if outer.is_active:
                _progress_tallies_match(conn)
        finally:
            if outer.is_active:
                outer.rollback()


def _progress_tallies_match(conn: Connection) -> None:
    """Whatever the test wrote, each enrollment's progress tally (kept by triggers) agrees with
    its sets and submissions: every service and flow of the suite checks the triggers."""
    from portfolio.services.reporting.progress import drifted

    if not conn.in_transaction() or conn.invalidated:
        return
    try:
        wrong = drifted(conn)
    except DBAPIError:
        return  # the test left the transaction failed on purpose (a refused write)
    assert wrong == [], f"enrollment progress tallies differ from their rows: {wrong}"


@pytest.fixture
def session(app: Flask, connection: Connection) -> Iterator[Session]:
    """The database session of an app context the test itself holds (for services and checks)."""
    with app.app_context():
        yield db.session


@pytest.fixture
def client(app: Flask, connection: Connection) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    mailbox, _port = smtp_server
    mailbox.clear()
    return mailbox


@pytest.fixture(autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Put the testing Argon2 parameters back after each test.

    create_app sets them for the whole process from its config, so a test that makes an app
    with another config (development, production) left every later test hashing at full cost:
    about 0.5 s per hash here instead of 5 ms. configure() does nothing when they are unchanged.
    """
    yield
    hashing.configure(
        TestingConfig.ARGON2_TIME_COST,
        TestingConfig.ARGON2_MEMORY_COST_KIB,
        TestingConfig.ARGON2_PARALLELISM,
    )


@pytest.fixture(autouse=True)
def _reset_rate_limits(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            limiter.reset()
