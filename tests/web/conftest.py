"""Browser tests: a live server on loopback with its own database, and Debian's Chromium.

Under CI=true a missing Chromium fails the run; elsewhere these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from portfolio import create_app
from portfolio.extensions import db
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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def live_database_url(database_url: str, tmp_path_factory) -> Iterator[str]:
    """A database of its own: the live server commits, unlike the rolled-back unit tests."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
        return
    server = database_url.rsplit("/", 1)[0]
    name = f"live_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{server}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def live_app(app_settings, live_database_url):
    return create_app({**app_settings, "DATABASE_URL": live_database_url})


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def live(live_app, live_server) -> Iterator[str]:
    """The live server's base URL, with an empty database for this test."""
    engine = db.engine_for(live_app)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with live_app.app_context():
        from portfolio.extensions import limiter

        limiter.reset()
    yield live_server


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
