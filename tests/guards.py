"""Checks that hold for every test of the run (a plugin, loaded by tests/conftest.py).

- The app's catch-all error handler turns any crash into a friendly 500 page, so a test that
  only reads a page's text could pass over a crash. A test during which the app (its test
  client or the live server's thread) logged an unhandled exception errors in teardown, with
  the traceback. A test that provokes a 500 on purpose says so with
  `@pytest.mark.allows_server_error`.
- Each of the expensive session fixtures starts once per run: importing a fixture into a test
  module would give that module a copy of its own (a second moto server, say), so the run
  fails at the end if one of them was set up twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

import pytest

APP_LOGGER = "portfolio"  # Flask's app.logger (the app is Flask("portfolio")); parent of ours
CRASH_LOGGERS = {
    "portfolio.web.errors",  # the catch-all handler: "Unhandled error on GET /..."
    APP_LOGGER,  # Flask itself, when an error escapes the handlers: "Exception on /..."
}
WERKZEUG_CRASH = "Error on request"  # the live server, when an exception escapes the app

ONCE_PER_RUN = ("app", "smtp_server", "moto_endpoint", "live_app", "live_server", "browser")
SETUPS = pytest.StashKey[Counter[str]]()


class CrashRecorder(logging.Handler):
    """Keeps the records that report an unhandled exception, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.crashes: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        crashed_in_app = record.name in CRASH_LOGGERS and record.exc_info is not None
        crashed_in_server = record.name == "werkzeug" and record.getMessage().startswith(
            WERKZEUG_CRASH
        )
        if crashed_in_app or crashed_in_server:
            self.crashes.append(record)


def describe(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s: %(message)s")
    return "\n\n".join(formatter.format(record) for record in records)


@pytest.fixture(autouse=True)
def _no_unhandled_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Errors the test (in teardown) if the app logged an unhandled exception meanwhile."""
    recorder = CrashRecorder()
    loggers = [logging.getLogger(APP_LOGGER), logging.getLogger("werkzeug")]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)
    if recorder.crashes and request.node.get_closest_marker("allows_server_error") is None:
        pytest.fail(
            "The app logged an unhandled exception (the user saw the 500 page). Fix the crash, "
            "or mark a test that provokes it on purpose with @pytest.mark.allows_server_error."
            f"\n\n{describe(recorder.crashes)}",
            pytrace=False,
        )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SETUPS] = Counter()


@pytest.hookimpl(tryfirst=True)  # before pytest's own, which returns (firstresult)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> None:
    # Called only when a fixture really runs, not when its cached value is reused.
    if fixturedef.scope == "session" and fixturedef.argname in ONCE_PER_RUN:
        request.config.stash[SETUPS][fixturedef.argname] += 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    twice = {name: n for name, n in session.config.stash[SETUPS].items() if n > 1}
    if twice:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (
            f"Session fixtures set up more than once: {twice}. A test module probably imports "
            "a fixture; list fixture modules in tests/conftest.py's pytest_plugins instead."
        )
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
