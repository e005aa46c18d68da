"""The run-wide guards of tests/guards.py, checked by running small test files through pytester."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.database_independent  # the inner runs use SQLite (see `guarded`)

CONFTEST = 'pytest_plugins = ["tests.guards"]\n'
INI = """
[pytest]
addopts = -p no:cacheprovider
markers =
    allows_server_error: provokes a 500 on purpose
"""
APP = """
import pytest

from portfolio import create_app


def client():
    app = create_app({
        "ENV_NAME": "testing",
        "DATABASE_URL": "sqlite://",
        "SECRET_KEY": "guard-test",
        "RATELIMIT_STORAGE_URI": "memory://",
        "OBJECT_STORE_URL": "file://%s",
    })

    @app.get("/crash")
    def crash():
        raise RuntimeError("a bug behind the friendly page")

    return app.test_client()
"""


@pytest.fixture
def guarded(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # no Playwright or Hypothesis
    pytester.makeconftest(CONFTEST)
    pytester.makeini(INI)
    return pytester


@pytest.mark.allows_server_error  # the inner runs crash on purpose, in this process
def test_a_crash_behind_the_500_page_fails_the_test_that_passed_over_it(guarded):
    guarded.makepyfile(
        APP % guarded.path
        + """
def test_reads_only_the_page():
    response = client().get("/crash")
    assert "Something went wrong" in response.get_data(as_text=True)


@pytest.mark.allows_server_error
def test_says_it_provokes_the_crash():
    assert client().get("/crash").status_code == 500


def test_no_crash():
    assert client().get("/no-such-page").status_code == 404
"""
    )
    result = guarded.runpytest()
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_reads_only_the_page*",
            "*The app logged an unhandled exception*",
            "*Unhandled error on GET /crash*",
            "*RuntimeError: a bug behind the friendly page*",
        ]
    )


def test_a_session_fixture_set_up_twice_fails_the_run(guarded):
    # Importing a session fixture into a test module makes it a second fixture: a second setup.
    guarded.makepyfile(
        shared_fixtures="""
import pytest

@pytest.fixture(scope="session")
def moto_endpoint():
    return "started"
""",
        test_one="from shared_fixtures import moto_endpoint\n\ndef test_one(moto_endpoint): pass\n",
        test_two="from shared_fixtures import moto_endpoint\n\ndef test_two(moto_endpoint): pass\n",
    )
    result = guarded.runpytest()
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*Session fixtures set up more than once: {'moto_endpoint': 2}*"])


def test_a_session_fixture_shared_by_a_plugin_is_set_up_once(guarded):
    guarded.makepyfile(
        shared_fixtures="""
import pytest

@pytest.fixture(scope="session")
def moto_endpoint():
    return "started"
""",
        test_one="def test_one(moto_endpoint): pass\n",
        test_two="def test_two(moto_endpoint): pass\n",
    )
    guarded.makeconftest('pytest_plugins = ["tests.guards", "shared_fixtures"]\n')
    result = guarded.runpytest()
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
