"""Run the suite in three processes side by side: SQLite, and PostgreSQL twice (databases
made and dropped here).

- SQLite: the unit and integration tests.
- PostgreSQL: the integration tests, and the browser tests in a process of their own. The unit
  tests (tests/unit) never touch a database, so they run once; the browser tests run on
  PostgreSQL because the two-tab conflict tests rely on row locks, which SQLite ignores.

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
    # The PostgreSQL tests run as two processes, each with a database of its own: the
    # integration tests and the browser tests.
    names = {"integration": name, "browser": f"{name}_web"}
    try:
        with psycopg.connect(f"{plain}/postgres", autocommit=True, connect_timeout=5) as conn:
            for each in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{each}"')
                conn.execute(f'CREATE DATABASE "{each}"')
    except psycopg.OperationalError as exc:
        if in_ci:
            print(f"PostgreSQL is required under CI and is not reachable: {exc}", flush=True)
            return 1
        print(f"Skipping the PostgreSQL pass; the browser tests run on SQLite: {exc}", flush=True)
        return run_pytest("SQLite (PostgreSQL unavailable)", env)
    try:
        # The passes share nothing (each has its own database, object folder, ports and
        # servers), so they run side by side: the SQLite pass and the PostgreSQL integration
        # tests take a core each for about the same time, and the browser tests (mostly
        # waiting on Chromium and the live server) fill the gaps. Their output is kept and
        # printed after SQLite's.
        with (
            tempfile.TemporaryFile(mode="w+") as integration_log,
            tempfile.TemporaryFile(mode="w+") as browser_log,
        ):
            integration = start_pytest(
                {**env, "TEST_DATABASE_URL": f"{server}/{names['integration']}"},
                integration_log,
                "--ignore=tests/unit",
                "--ignore=tests/web",
            )
            browser = start_pytest(
                {**env, "TEST_DATABASE_URL": f"{server}/{names['browser']}"},
                browser_log,
                "--ignore=tests/unit",
                "--ignore=tests/integration",
            )
            sqlite_status = run_pytest("SQLite", env, "--ignore=tests/web")
            statuses = [sqlite_status]
            for label, process, log in (
                ("PostgreSQL: integration", integration, integration_log),
                ("PostgreSQL: browser", browser, browser_log),
            ):
                statuses.append(process.wait())
                log.seek(0)
                print(f"\n=== pytest on {label} ===", flush=True)
                sys.stdout.write(log.read())
                sys.stdout.flush()
    finally:
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            for each in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{each}" WITH (FORCE)')
    return next((status for status in statuses if status), 0)


if __name__ == "__main__":
    sys.exit(main())
