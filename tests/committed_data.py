"""Fixtures for tests whose data must really be committed (concurrency and fault tests), and
an empty database of a test's own (migrations).

PostgreSQL only: such tests need separate connections that see each other's commits. Every row
the test commits is deleted again at the end. The helpers below stop a request in the middle of
its transaction (`table_locked`) and look at it from outside (pg_locks, pg_stat_activity).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine, func, select, text

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


@contextlib.contextmanager
def table_locked(engine: Engine, table: str) -> Iterator[Connection]:
    """Hold an EXCLUSIVE lock on `table` from a connection of the test's own: reads go on, and
    any transaction that writes to the table waits there, in the middle of its work, until the
    block ends."""
    with engine.connect() as conn:
        conn.execute(text(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE'))
        try:
            yield conn
        finally:
            conn.rollback()


def backends_waiting_on(
    engine: Engine, table: str | None = None, count: int = 1, timeout: float = 30
) -> list[int]:
    """The PostgreSQL backends (pids) of the `count` transactions waiting for a lock: on `table`
    (to write to it), or on anything (a row another of them holds) when `table` is None."""
    query = (  # only this database's: other test runs may share the server
        "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE NOT l.granted AND a.datname = current_database()"
    )
    if table is not None:
        query += " AND l.relation = CAST(:table AS regclass)"
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pids = [int(pid) for pid in conn.scalars(text(query), {"table": table})]
            if len(pids) >= count:
                return pids
            conn.rollback()
            time.sleep(0.05)
    pytest.fail(f"{count} transactions never came to wait on {table or 'a lock'}")


def tables_written_by(engine: Engine, backend: int) -> set[str]:
    """The tables a backend's open transaction has written to (holds ROW EXCLUSIVE on)."""
    query = text(
        "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = :pid AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'"
    )
    with engine.connect() as conn:
        return set(conn.scalars(query, {"pid": backend}))


def wait_until_gone(engine: Engine, backend: int, timeout: float = 30) -> None:
    """Wait for PostgreSQL to end the backend of a killed worker (it notices the closed socket
    at its next reply and rolls the transaction back)."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while conn.scalar(query, {"pid": backend}):
            assert time.monotonic() < deadline, "the killed worker's transaction is still open"
            conn.rollback()
            time.sleep(0.05)
