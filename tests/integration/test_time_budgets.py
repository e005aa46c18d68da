"""The app's time budgets fit inside gunicorn's: a request that waits on the database or the store
answers with the app's own message before gunicorn kills the worker (issue 10, section 2).

Read from the real objects: gunicorn.conf.py, the production settings, the S3 clients the store
factory builds from them, and (on PostgreSQL) the statement timeout a connection of the app's
engine reports. The README's "Production" paragraph must state the same numbers.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from config import ROOT, load_config
from portfolio.extensions import db
from portfolio.storage.factory import store_from_config
from portfolio.storage.s3 import S3Store

# botocore's standard retry mode waits at most min(2 ** i, 20) s before retry i (0-based), and
# up to 5 s more when the store asks for it (x-amz-retry-after).
BOTO_MAX_BACKOFF, BOTO_RETRY_AFTER_EXTRA = 20, 5


def gunicorn_timeout() -> float:
    return float(runpy.run_path(str(Path(ROOT) / "gunicorn.conf.py"))["timeout"])


def production_store() -> S3Store:
    settings = {**load_config("production"), "OBJECT_STORE_URL": "s3://portfolio-artifacts"}
    store = store_from_config(settings)
    assert isinstance(store, S3Store)
    return store


def worst_case(client: Any) -> float:
    """Seconds one call through `client` may take before it gives up: every try's connect and
    read timeouts, and the waits between tries."""
    config = client.meta.config
    tries = int(config.retries["total_max_attempts"])
    waits = sum(min(2**i, BOTO_MAX_BACKOFF) + BOTO_RETRY_AFTER_EXTRA for i in range(tries - 1))
    return tries * (config.connect_timeout + config.read_timeout) + waits


def statement_timeout_seconds() -> float:
    return int(load_config("production")["DATABASE_STATEMENT_TIMEOUT_MS"]) / 1000


def test_a_store_call_and_a_slow_statement_together_end_before_gunicorn_kills_the_worker():
    store = production_store()
    config = store.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (3, 15)  # as the README says
    assert worst_case(store.client) + statement_timeout_seconds() < gunicorn_timeout()


def test_joining_a_large_uploads_parts_gets_one_patient_try_still_inside_gunicorns_timeout():
    completer = production_store()._completer.meta.config
    assert completer.retries["total_max_attempts"] == 1  # a second try finds the parts half joined
    assert worst_case(production_store()._completer) < gunicorn_timeout()


def test_the_readme_states_the_budgets_as_configured():
    readme = (Path(ROOT) / "README.md").read_text()
    paragraph = readme.split("Timeouts are chosen to fit inside gunicorn's", 1)[1].split("\n\n")[0]
    store = production_store()
    for seconds in (
        statement_timeout_seconds(),
        store.client.meta.config.connect_timeout,
        store.client.meta.config.read_timeout,
        store._completer.meta.config.read_timeout,
        gunicorn_timeout(),
    ):
        assert f"{seconds:g} s" in paragraph
    tries = store.client.meta.config.retries["total_max_attempts"]
    assert f"up to {['no', 'one', 'two', 'three', 'four'][tries]} tries" in paragraph


def test_the_database_cancels_a_statement_at_the_configured_timeout(app, database_url: str):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no statement timeout")
    assert app.config["DATABASE_STATEMENT_TIMEOUT_MS"] == statement_timeout_seconds() * 1000
    with db.engine_for(app).connect() as conn:  # the app's own engine
        shown = conn.scalar(text("SHOW statement_timeout"))
    assert shown == f"{statement_timeout_seconds():g}s"
    assert statement_timeout_seconds() < gunicorn_timeout()
