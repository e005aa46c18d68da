"""Fixtures for tests whose data must really be committed (concurrency and fault tests), and
an empty database of a test's own (migrations).

PostgreSQL only: such tests need separate connections that see each other's commits. Every row
the test commits is deleted again at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, func, select, text

from portfolio.extensions import db
from portfolio.models import Base


@pytest.fixture
def committed_engine(app, database_url) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """The app's engine, with every row this test commits deleted again at the end."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: separate connections and real commits")
    engine = db.engine_for(app)
    tables = [t for t in reversed(Base.metadata.sorted_tables) if "id" in t.c]
    with engine.connect() as conn:
        before = {t.name: conn.scalar(select(func.coalesce(func.max(t.c.id), 0))) for t in tables}
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            # The audit trail refuses DELETE by design; only this clean-up may lift that.
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            for table in tables:
                conn.execute(table.delete().where(table.c.id > before[table.name]))
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    server = database_url.rsplit("/", 1)[0]
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{server}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
