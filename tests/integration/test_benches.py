"""Every script in bench/ still runs (bench/upload.py, bench/review_queue.py,
bench/roster_import.py, bench/load.py, bench/evaluate.py, bench/reports.py): a smoke run of
each (tiny sizes, seconds) must exit 0 and end with one JSON object whose ratios are numbers.
A template, view or service change that breaks a bench (a baseline missing a variable its
template needs, an API reply that changed shape) fails here, not on the day someone wants
figures.

The benches make their own databases and servers, so they do not depend on TEST_DATABASE_URL:
they run once, in the pass without it (tests/run_suite.py's SQLite pass). The review bench needs
PostgreSQL and, for its load part, wrk; the load bench PostgreSQL and Redis (it starts Redis
when it does not answer); the evaluation and reports benches PostgreSQL: without them they
are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
PAGES = ("reviewer_queue", "scoring_screen", "unassigned", "overdue", "quality")
REPORT_PAGES = ("cohorts", "at_risk", "person")

# Where each bench's last line keeps its ratios (bench against baseline).
RATIOS: dict[str, list[tuple[str, ...]]] = {
    "upload.py": [("ratio",)],
    "review_queue.py": [("pages", page, "ratio") for page in PAGES] + [("load", "ratio")],
    "roster_import.py": [("ratio",)],
    "load.py": [("ratio",)],
    "evaluate.py": [("first_run", "ratio"), ("second_run", "ratio"), ("signing", "ratio")],
    "reports.py": [("pages", page, "ratio") for page in REPORT_PAGES] + [("csv", "ratio")],
}

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the benches make their own databases: they run in the pass without TEST_DATABASE_URL",
)


def unavailable(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required under CI")
    pytest.skip(f"{what} is not available")


def postgres_reachable() -> bool:
    import psycopg

    server = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(f"{plain}/postgres", connect_timeout=5):
            return True
    except psycopg.OperationalError:
        return False


def smoke(script: str, *extra: str) -> dict[str, Any]:
    """Run bench/<script> --smoke; its last line of output, parsed."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke", *extra],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    lines = done.stdout.strip().splitlines()
    assert lines, f"{script} printed nothing"
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict), lines[-1]
    assert figures["smoke"] is True
    return figures


def ratio_at(figures: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = figures
    for key in path:
        assert isinstance(value, dict) and key in value, f"no {'.'.join(path)} in {figures}"
        value = value[key]
    return value


def assert_ratios(figures: dict[str, Any], paths: list[tuple[str, ...]]) -> None:
    for path in paths:
        value = ratio_at(figures, path)
        assert isinstance(value, int | float) and not isinstance(value, bool), (path, value)
        assert math.isfinite(value) and value > 0, (path, value)


def test_every_bench_is_smoke_tested() -> None:
    assert {p.name for p in (ROOT / "bench").glob("*.py")} == set(RATIOS)


@pytest.mark.database_independent
def test_every_bench_runs_in_make_bench_and_has_its_figures_in_the_readme() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile[makefile.index("\nbench:") :]
    target = target[: target.index("\n\n")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    performance = readme[readme.index("\n## Performance") :]
    # Each script has a paragraph that starts with its name, and a table of figures before the
    # next such paragraph.
    starts = {script: performance.find(f"\n`bench/{script}`") for script in RATIOS}
    ends = [*sorted(starts.values()), len(performance)]
    for script, start in starts.items():
        assert f"bench/{script}" in target, f"make bench does not run {script}"
        assert start >= 0, f"no paragraph of the README's Performance starts with {script}"
        described = performance[start : ends[ends.index(start) + 1]]
        assert "\n| " in described, f"no figures for {script} in the README"


def test_upload_bench() -> None:
    """The upload bench drives the widget in Debian's Chromium, as the browser tests do."""
    if not Path("/usr/bin/chromium").exists():
        unavailable("Chromium")
    figures = smoke("upload.py")
    assert_ratios(figures, RATIOS["upload.py"])
    assert figures["part_mib"] < figures["size_mib"], "the smoke run must go through multipart"
    assert math.isfinite(figures["web_growth_mib"]), figures


def test_roster_import_bench() -> None:
    figures = smoke("roster_import.py")
    assert_ratios(figures, RATIOS["roster_import.py"])
    assert figures["rows"] == 20


def test_review_bench() -> None:
    if not postgres_reachable():
        unavailable("PostgreSQL")
    paths = RATIOS["review_queue.py"]
    extra: tuple[str, ...] = ()
    if shutil.which("wrk") is None:
        if IN_CI:
            pytest.fail("wrk is required under CI (make test installs it)")
        extra, paths = ("--no-load",), [p for p in paths if p[0] != "load"]
    figures = smoke("review_queue.py", *extra)
    assert_ratios(figures, paths)
    if not extra:
        for endpoint in ("reviewer_queue", "baseline"):
            assert figures["load"][endpoint]["non_2xx"] == "", figures["load"]
    for page in PAGES:
        assert figures["pages"][page]["same_queries"] is True, (page, figures["pages"][page])
    assert figures["burst"]["reviewers_over_capacity"] == 0, figures["burst"]
    assert figures["burst"]["assignments"] == 2 * figures["burst"]["sets"], figures["burst"]


def test_load_bench() -> None:
    if not postgres_reachable():
        unavailable("PostgreSQL")
    if shutil.which("redis-server") is None and shutil.which("redis-cli") is None:
        unavailable("Redis")
    figures = smoke("load.py")
    assert_ratios(figures, RATIOS["load.py"])
    people = figures["people"]
    assert figures["signed_in"] == sum(people.values()) + 1, figures  # and the load balancer
    assert figures["setup_errors"] == [] and figures["errors"] == [], figures
    assert figures["app"]["requests"] > 0 and figures["baseline"]["p95_ms"] > 0, figures
    assert figures["server_log_errors"] == [], figures["server_log_errors"]
    checks = figures["checks"]
    assert checks["autosaves_lost"] == [], checks
    assert checks["narrative_autosaves_acknowledged"] + checks["review_drafts_acknowledged"] > 0
    # The smoke run sends every candidate's upload and every reviewer's review once.
    assert checks["uploads_completed"] >= people["candidates"], checks
    assert checks["uploads_by_status"] == {"verified": checks["uploads_completed"]}, checks
    runs = checks["check_job_runs"] - checks["check_deliveries_dropped"]  # a second delivery
    assert runs == checks["uploads_completed"], checks  # is dropped, not run again
    # At least once: a reviewer with another assignment may submit it too by chance (the run's
    # rate task, after its drafts); a CI run on a quicker or slower machine saw 2 for 1.
    assert checks["reviews_submitted"] >= people["reviewers"], checks
    assert checks["reviews_submitted_not_stored"] == 0, checks
    assert checks["emails_not_delivered_exactly_once"] == 0, checks
    assert checks["nothing_lost"] is True, checks


def test_evaluation_bench() -> None:
    if not postgres_reachable():
        unavailable("PostgreSQL")
    figures = smoke("evaluate.py")
    assert_ratios(figures, RATIOS["evaluate.py"])
    first, second = figures["first_run"], figures["second_run"]
    seeded = figures["seeded"]
    assert first["credentials_signed"] == seeded["certified"] > 0, figures
    assert second["records_nothing_new"] is True and second["credentials_signed"] == 0, figures
    assert figures["signing"]["same_signatures"] is True, figures["signing"]


def test_reports_bench() -> None:
    if not postgres_reachable():
        unavailable("PostgreSQL")
    figures = smoke("reports.py")
    assert_ratios(figures, RATIOS["reports.py"])
    for page in REPORT_PAGES:
        assert figures["pages"][page]["same_queries"] is True, (page, figures["pages"][page])
    csv = figures["csv"]
    assert csv["same_queries"] is True, csv
    assert csv["rows_at_100"] == 100 and csv[f"rows_at_{figures['candidates']}"] > 100, csv
    assert csv["flat_memory"] is True, csv
    assert figures["at_risk"] > 0 and figures["problems"] == [], figures
