"""Run the suite in two passes side by side: SQLite, and PostgreSQL (a database made and
dropped here).

- SQLite: the unit and integration tests.
- PostgreSQL: the integration and browser tests. The unit tests (tests/unit) never touch a
  database, so they run once; the browser tests run here because the two-tab conflict tests
  rely on row locks, which SQLite ignores.

Without PostgreSQL the browser tests join the SQLite pass and the PostgreSQL pass is skipped;
under CI=true a missing PostgreSQL fails the run instead. Extra arguments go to both passes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from typing import IO

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def run_pytest(label: str, env: dict[str, str], *extra: str) -> int:
    print(f"\n=== pytest on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *extra, *sys.argv[1:]], env=env)


def start_pytest(env: dict[str, str], log: IO[str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "--color=no", *extra, *sys.argv[1:]],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def postgres_admin_url(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return base, name


def main() -> int:
    in_ci = os.environ.get("CI", "").lower() == "true"
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}

    import psycopg

    given = os.environ.get("TEST_DATABASE_URL")
    name = f"portfolio_test_{uuid.uuid4().hex[:8]}"
    server, name = postgres_admin_url(given) if given else (DEFAULT_SERVER, name)
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(f"{plain}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if in_ci:
            print(f"PostgreSQL is required under CI and is not reachable: {exc}", flush=True)
            return 1
        print(f"Skipping the PostgreSQL pass; the browser tests run on SQLite: {exc}", flush=True)
        return run_pytest("SQLite (PostgreSQL unavailable)", env)
    try:
        # The two passes share nothing (each has its own database, object folder, ports and
        # servers), so they run side by side: the machine has two cores, and each pass is one
        # process. PostgreSQL's output is kept and printed after SQLite's.
        with tempfile.TemporaryFile(mode="w+") as pg_log:
            pg_pass = start_pytest(
                {**env, "TEST_DATABASE_URL": f"{server}/{name}"}, pg_log, "--ignore=tests/unit"
            )
            sqlite_status = run_pytest("SQLite", env, "--ignore=tests/web")
            pg_status = pg_pass.wait()
            pg_log.seek(0)
            print("\n=== pytest on PostgreSQL ===", flush=True)
            sys.stdout.write(pg_log.read())
            sys.stdout.flush()
    finally:
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return sqlite_status or pg_status


if __name__ == "__main__":
    sys.exit(main())
