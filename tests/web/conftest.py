"""Browser tests: a live server on loopback on the test database, and Debian's Chromium.

The live server commits, so each browser test empties the tables when it ends (TRUNCATE on
PostgreSQL, deletes on SQLite): every test starts on an empty database, as the rolled-back
tests do. tests/run_suite.py runs these tests in the PostgreSQL pass, whose row locks the
two-tab conflict tests depend on.

Under CI=true a missing Chromium fails the run; elsewhere these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import Engine, text
from werkzeug.serving import make_server

from portfolio import create_app
from portfolio.extensions import db, limiter
from portfolio.models import Base

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"Chromium is required under CI and {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (make test installs it)")
    for item in items:
        if "tests/web/" in str(item.fspath):
            item.add_marker(skip)


# Two test passes share two cores with the browser: an autosave (1.5 s debounce plus the
# request) can take longer than Playwright's 5 s default without anything being wrong.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def live_app(app: Flask, app_settings: dict[str, object]) -> Iterator[Flask]:
    """A second app on the test database (`app` made its tables): the live server commits."""
    live_app = create_app(app_settings)
    empty_tables(db.engine_for(live_app))  # in case a test before the browser tests committed
    yield live_app
    db.engine_for(live_app).dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def empty_tables(engine: Engine) -> None:
    """Delete every row the live server committed, and restart the ids, as in a new database.

    Deletes, not TRUNCATE: truncating the 34 tables takes over a second on PostgreSQL, deleting
    their few rows a twentieth of that. The audit trail's append-only triggers are lifted for
    the deletes only, inside the same transaction.
    """
    tables = list(reversed(Base.metadata.sorted_tables))  # the app's: not Alembic's table
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            guarded = conn.scalars(
                text(
                    "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
                )
            ).all()
            for table_name in guarded:
                conn.execute(text(f"ALTER TABLE {table_name} DISABLE TRIGGER USER"))
            for table in tables:
                conn.execute(table.delete())
            for table_name in guarded:
                conn.execute(text(f"ALTER TABLE {table_name} ENABLE TRIGGER USER"))
            conn.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false)"
                    " FROM pg_sequences WHERE schemaname = current_schema()"
                )
            )
        else:  # SQLite cannot disable a trigger: drop and remake them. Ids restart by themselves.
            triggers = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                conn.execute(table.delete())
            for _name, sql in triggers:
                conn.execute(text(sql))


@pytest.fixture
def live(live_app: Flask, live_server: str) -> str:
    """The live server's base URL; the database is empty when the test starts."""
    with live_app.app_context():
        limiter.reset()
    return live_server


@pytest.fixture(autouse=True)
def _empty_after_live_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    # Autouse, so set up before the test's own fixtures and torn down after them: the browser
    # pages are closed by then and send no more requests. Every other test rolls back, so the
    # tables are empty again for the next test, browser or not.
    yield
    if "live" in request.fixturenames:
        empty_tables(db.engine_for(request.getfixturevalue("live_app")))


def assert_accessible(page) -> None:
    """axe-core (bundled with axe-playwright-python) finds no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not serious, f"{page.url}: " + "; ".join(serious)
