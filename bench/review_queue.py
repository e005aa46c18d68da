"""Review pages at scale: query counts, page times, throughput, and a burst of assignments.

    python bench/review_queue.py [--candidates 10000] [--requests 20] [--burst 1000] [--no-load]
    python bench/review_queue.py --smoke   # seconds: proves the bench works (make test runs it)

One run, on a fresh PostgreSQL database made here and dropped at the end:
1. Seeds a framework of 6 sets x 4 competencies, reviewers, and 100 candidates (3 submitted
   sets each, 2 reviews per submission, ratings, some open or overdue, ~1% unassigned) with
   bulk executemany inserts; measures each page; then grows to N candidates and measures again.
2. Per page (reviewer queue, scoring screen, unassigned, overdue, quality): SQL statements per
   request (must be equal at 100 and N) and the median time of `--requests` requests through the
   Flask test client, next to a baseline endpoint of the same app that fetches the same rows with
   hand-written SQL on the same connection and renders the same template; the two are requested
   in turn through the same client. Each baseline must first render exactly the page's HTML
   (CSRF tokens aside), or the bench stops: a baseline that rendered less would flatter the
   ratio. The seeded reviews bypass the services, so their quality tallies are rebuilt (as
   `flask reviews retally` does) before measuring.
3. Throughput of the reviewer queue with gunicorn -w 2 and wrk -c16 on loopback, next to the
   hand-written baseline endpoint served the same way (skipped with a note without wrk): a 2 s
   warm-up of each, then 5 s runs alternating A B A B, averaged.
4. 1,000 (--burst) sets submitted in a burst: assignments per second, and whether any reviewer
   went over capacity. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
SETS, COMPETENCIES, REVIEWERS, CAPACITY = 6, 4, 150, 60
SLUG = "bench"


def app_today() -> date:
    """The app's calendar day (UTC), so seeded due dates and the baselines agree with its pages."""
    from portfolio.web.clock import today

    return today()


# ---------------------------------------------------------------- database and app


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"bench_review_{uuid.uuid4().hex[:8]}"
    plain = SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings(url: str) -> dict[str, Any]:
    return {
        "ENV_NAME": "testing",
        "DATABASE_URL": url,
        "MAIL_SUPPRESS_SEND": True,
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False,
    }


def bench_app(url: str | None = None) -> Any:
    """The app plus the hand-written baseline endpoints (also gunicorn's entry point)."""
    from flask import render_template

    from portfolio import create_app

    app = create_app(settings(url or os.environ["BENCH_DATABASE_URL"]))

    @app.get("/bench/page/<name>")
    def page_baseline(name: str) -> str:
        # Set by measure_pages: the hand-written version of each page, served like a view.
        render: Callable[[], str] = app.extensions["bench_baselines"][name]
        return render()

    @app.get("/bench/queue")
    def queue_baseline() -> str:
        from flask_login import current_user

        open_, done = baseline_queue(current_user.id)
        return render_template(
            "reviewer/queue.html", open_assignments=open_, done=done, today=app_today()
        )

    return app


# ---------------------------------------------------------------- seeding


def seed_framework(session: Any) -> tuple[Any, list[int], list[list[int]]]:
    from portfolio.models import (
        Competency,
        CompetencySet,
        Framework,
        FrameworkStatus,
        RubricLevel,
        SetKind,
    )
    from tests.review_fixtures import LEVELS, RULES

    rules = json.loads(json.dumps(RULES))
    rules["required_sets"] = ["S1", "S2", "S3"]
    rules["electives_required"] = 3
    framework = Framework(
        slug=SLUG, version=1, name="Bench Program", status=FrameworkStatus.PUBLISHED, rules=rules
    )
    framework.rubric_levels = [
        RubricLevel(key=k, label=lbl, position=i, descriptor=d)
        for i, (k, lbl, d) in enumerate(LEVELS)
    ]
    framework.sets = [
        CompetencySet(
            code=f"S{s + 1}",
            name=f"Set number {s + 1}",
            kind=SetKind.REQUIRED if s < 3 else SetKind.ELECTIVE,
            position=s,
            competencies=[
                Competency(code=f"S{s + 1}C{c + 1}", title=f"Competency {c + 1}", position=c)
                for c in range(COMPETENCIES)
            ],
        )
        for s in range(SETS)
    ]
    session.add(framework)
    session.flush()
    set_ids = [cs.id for cs in framework.sets]
    comp_ids = [[c.id for c in cs.competencies] for cs in framework.sets]
    return framework, set_ids, comp_ids


def seed_people(session: Any) -> tuple[int, list[int]]:
    from portfolio.models import ReviewerProfile, ReviewerQualification, Role, User, UserRole

    admin = User(email="admin@bench.example", name="Bench Admin", password_hash="!")  # noqa: S106 - no password matches it
    admin.roles = [UserRole(role=Role.ADMINISTRATOR)]
    session.add(admin)
    reviewers = []
    for r in range(REVIEWERS):
        user = User(email=f"r{r}@bench.example", name=f"Reviewer {r}", password_hash="!")  # noqa: S106 - no password matches it
        user.roles = [UserRole(role=Role.REVIEWER)]
        session.add(user)
        reviewers.append(user)
    session.flush()
    for r, user in enumerate(reviewers):
        profile = ReviewerProfile(
            user_id=user.id,
            capacity=CAPACITY,
            library=f"Reviewer library {r}",
            calibrated_at=datetime.now(UTC),
        )
        profile.qualifications = [
            ReviewerQualification(framework_slug=SLUG, set_code=f"S{s + 1}") for s in range(SETS)
        ]
        session.add(profile)
    session.flush()
    return admin.id, [u.id for u in reviewers]


class Ids:
    """Explicit primary keys for the bulk rows, so foreign keys need no round trips."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self.next.get(table, 1_000_000)
        self.next[table] = value + 1
        return value


def seed_candidates(
    session: Any,
    ids: Ids,
    framework_id: int,
    set_ids: list[int],
    comp_ids: list[list[int]],
    reviewer_ids: list[int],
    first: int,
    count: int,
    *,
    submitted_sets: int = 3,
    reviewed: bool = True,
) -> list[int]:
    """Bulk-insert candidates first..first+count; returns the ids of their submissions."""
    from sqlalchemy import insert

    from portfolio.domain.portfolios.narrative import RENDERER_VERSION
    from portfolio.models import (
        Application,
        Assignment,
        Enrollment,
        EnrollmentSet,
        ExperienceRecord,
        ReviewRating,
        ReviewShortfall,
        Submission,
        User,
        UserRole,
    )

    rows: dict[Any, list[dict[str, Any]]] = {
        t: []
        for t in (
            User,
            UserRole,
            Application,
            ExperienceRecord,
            Enrollment,
            EnrollmentSet,
            Submission,
            Assignment,
            ReviewRating,
            ReviewShortfall,
        )
    }
    today = app_today()
    now = datetime.now(UTC)
    rng = random.Random(first)
    levels = ["met", "met", "met", "partially_met", "not_met"]
    submissions: list[int] = []
    for i in range(first, first + count):
        uid = ids.take("user")
        rows[User].append(
            {
                "id": uid,
                "email": f"c{i}@bench.example",
                "name": f"Candidate {i}",
                "password_hash": "!",
            }
        )
        rows[UserRole].append({"id": ids.take("role"), "user_id": uid, "role": "candidate"})
        app_id = ids.take("application")
        rows[Application].append(
            {"id": app_id, "user_id": uid, "framework_id": framework_id, "status": "approved"}
        )
        rows[ExperienceRecord].append(
            {
                "id": ids.take("experience"),
                "application_id": app_id,
                "library": f"Candidate library {i}",
                "library_type": "public",
                "role": "Assistant",
                "start_date": today - timedelta(days=900),
                "hours_per_week": 40,
            }
        )
        enr = ids.take("enrollment")
        rows[Enrollment].append(
            {
                "id": enr,
                "user_id": uid,
                "framework_id": framework_id,
                "application_id": app_id,
                "enrolled_on": today - timedelta(days=400),
                "window_ends_on": today + timedelta(days=1000),
            }
        )
        for s, set_id in enumerate(set_ids):
            es = ids.take("enrollment_set")
            submitted = s < submitted_sets
            rows[EnrollmentSet].append(
                {
                    "id": es,
                    "enrollment_id": enr,
                    "set_id": set_id,
                    "route": "portfolio",
                    "status": ("in_review" if reviewed else "submitted")
                    if submitted
                    else "not_started",
                }
            )
            if not submitted:
                continue
            sub = ids.take("submission")
            submissions.append(sub)
            rows[Submission].append(
                {
                    "id": sub,
                    "enrollment_set_id": es,
                    "attempt": 1,
                    "submitted_by_id": uid,
                    "snapshot": snapshot(s),
                    "snapshot_sha256": snapshot_fingerprint(s),
                    "snapshot_html": snapshot_html(s),
                    "snapshot_html_rendered_with": RENDERER_VERSION,
                    "status": "in_review" if reviewed else "submitted",
                }
            )
            if not reviewed:
                continue
            if i % 100 == 50 and s == 2:
                rows[ReviewShortfall].append(
                    {
                        "id": ids.take("shortfall"),
                        "submission_id": sub,
                        "kind": "review",
                        "missing": 2,
                        "reasons": {"reasons": ["Every qualified reviewer is at capacity."]},
                    }
                )
                continue
            pair = rng.sample(reviewer_ids, 2)
            if i == first and s == 0:
                pair[0] = reviewer_ids[0]  # the measured reviewer always has an open review
            for k, reviewer in enumerate(pair):
                aid = ids.take("assignment")
                assigned = now - timedelta(days=rng.randint(1, 330), hours=rng.randint(0, 23))
                open_ = rng.random() < 0.1 or (i == first and s == 0 and k == 0)
                row = {
                    "id": aid,
                    "submission_id": sub,
                    "reviewer_id": reviewer,
                    "kind": "review",
                    "status": "assigned" if open_ else "submitted",
                    "assigned_at": assigned,
                    "due_on": today + timedelta(days=rng.randint(-20, 21)),
                    "submitted_at": None
                    if open_
                    else assigned + timedelta(days=rng.randint(1, 20)),
                }
                rows[Assignment].append(row)
                if open_:
                    continue
                for cid in comp_ids[s]:
                    rows[ReviewRating].append(
                        {
                            "id": ids.take("rating"),
                            "assignment_id": aid,
                            "competency_id": cid,
                            "level": rng.choice(levels),
                            "comment": "Bench comment.",
                        }
                    )
    for model, values in rows.items():
        if values:
            session.execute(insert(model.__table__), values)
    return submissions


_SNAPSHOTS: dict[int, dict[str, Any]] = {}


def snapshot(s: int) -> dict[str, Any]:
    if s not in _SNAPSHOTS:
        _SNAPSHOTS[s] = {
            "format": 1,
            "set": {"code": f"S{s + 1}", "name": f"Set number {s + 1}"},
            "attempt": 1,
            "learning_statement": "I grew a lot over two years at the desk.",
            "competencies": [
                {
                    "code": f"S{s + 1}C{c + 1}",
                    "title": f"Competency {c + 1}",
                    "narrative": "I **catalogued** two hundred books and trained two volunteers.",
                    "artifacts": [
                        {
                            "id": 1,
                            "kind": "link",
                            "caption": "Blog post",
                            "description": "",
                            "url": "https://example.org/p",
                        }
                    ],
                }
                for c in range(COMPETENCIES)
            ],
        }
    return _SNAPSHOTS[s]


_SNAPSHOT_HTML: dict[int, dict[str, Any]] = {}


def snapshot_html(s: int) -> dict[str, Any]:
    """The texts' HTML, as submitting a set stores it beside the snapshot."""
    from portfolio.domain.portfolios.snapshot_html import build_snapshot_html
    from portfolio.domain.portfolios.snapshots import read_snapshot

    if s not in _SNAPSHOT_HTML:
        fingerprint = snapshot_fingerprint(s)
        frozen = read_snapshot(snapshot(s), fingerprint)
        _SNAPSHOT_HTML[s] = build_snapshot_html(frozen, fingerprint)
    return _SNAPSHOT_HTML[s]


def snapshot_fingerprint(s: int) -> str:
    """The SHA-256 the strict snapshot reader checks the document against."""
    from portfolio.domain.portfolios.snapshots import snapshot_sha256

    return snapshot_sha256(snapshot(s))


def fix_sequences(session: Any) -> None:
    from sqlalchemy import text

    from portfolio.models import Base

    for table in Base.metadata.sorted_tables:
        if "id" in table.c:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
    session.execute(text("ANALYZE"))


# ---------------------------------------------------------------- baselines (hand-written SQL)


def _rows(sql: str, **params: Any) -> list[Any]:
    from sqlalchemy import text

    from portfolio.extensions import db

    return list(db.session.connection().execute(text(sql), params))


def _ns(**kw: Any) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(**kw)


def _enum(value: str) -> Any:
    return _ns(value=value)


QUEUE_SQL = """
SELECT a.id, a.kind, a.status, a.due_on, a.last_saved_at, a.submitted_at, s.attempt,
       cs.code AS set_code, cs.name AS set_name
FROM assignment a JOIN submission s ON s.id = a.submission_id
JOIN enrollment_set es ON es.id = s.enrollment_set_id
JOIN competency_set cs ON cs.id = es.set_id
WHERE a.reviewer_id = :rid AND a.kind IN ('review', 'adjudication') AND {where}
ORDER BY {order} {limit}
"""


def _with_enums(rows: list[Any]) -> list[Any]:
    """The template reads kind.value and status.value, as the app's enum columns give them."""
    return [
        _ns(**{**row._asdict(), "kind": _enum(row.kind), "status": _enum(row.status)})
        for row in rows
    ]


def baseline_queue(reviewer_id: int) -> tuple[list[Any], list[Any]]:
    open_ = _rows(
        QUEUE_SQL.format(where="a.status = 'assigned'", order="a.due_on, a.id", limit=""),
        rid=reviewer_id,
    )
    done = _rows(
        QUEUE_SQL.format(
            where="a.status <> 'assigned'", order="a.assigned_at DESC, a.id DESC", limit="LIMIT 200"
        ),
        rid=reviewer_id,
    )
    return _with_enums(open_), _with_enums(done)


def baseline_overdue() -> list[Any]:
    return _rows(
        """
        SELECT a.id, a.due_on, r.name AS reviewer_name, c.name AS candidate_name,
               cs.code AS set_code, cs.name AS set_name, r.id AS reviewer_id
        FROM assignment a JOIN user_account r ON r.id = a.reviewer_id
        JOIN submission s ON s.id = a.submission_id
        JOIN enrollment_set es ON es.id = s.enrollment_set_id
        JOIN competency_set cs ON cs.id = es.set_id
        JOIN enrollment e ON e.id = es.enrollment_id JOIN user_account c ON c.id = e.user_id
        WHERE a.status = 'assigned' AND a.due_on < :today ORDER BY a.due_on, a.id LIMIT 25
        """,
        today=app_today(),
    )


def baseline_overdue_total() -> int:
    return int(
        _rows(
            "SELECT count(*) FROM assignment WHERE status = 'assigned' AND due_on < :today",
            today=app_today(),
        )[0][0]
    )


def baseline_unassigned() -> list[Any]:
    rows = _rows(
        """
        SELECT f.submission_id, f.kind, f.missing, f.reasons, f.since, s.attempt,
               c.name AS candidate_name, cs.code AS set_code, cs.name AS set_name
        FROM review_shortfall f JOIN submission s ON s.id = f.submission_id
        JOIN enrollment_set es ON es.id = s.enrollment_set_id
        JOIN competency_set cs ON cs.id = es.set_id
        JOIN enrollment e ON e.id = es.enrollment_id JOIN user_account c ON c.id = e.user_id
        ORDER BY f.since, f.id LIMIT 25
        """
    )
    return [_ns(**{**row._asdict(), "kind": _enum(row.kind)}) for row in rows]


def baseline_unassigned_total() -> int:
    return int(_rows("SELECT count(*) FROM review_shortfall")[0][0])


def baseline_set_codes() -> list[str]:
    return [row[0] for row in _rows("SELECT DISTINCT code FROM competency_set ORDER BY code")]


def first_page(sort: str) -> Any:
    """The request a list page makes with no query string (the oldest first)."""
    from portfolio.domain.listing import DEFAULT_PER_PAGE, ListRequest

    return ListRequest("", {}, sort, "asc", 1, DEFAULT_PER_PAGE)


def baseline_quality() -> Any:
    """The same monthly tallies as services.reviewing.quality, summed by hand, then summarised."""
    from portfolio.domain.dates import format_month
    from portfolio.domain.reviewing.tallies import COUNTERS
    from portfolio.services.reviewing import quality as rq

    chosen = rq.period(None, None, app_today())
    sums = ", ".join(f"sum(t.{name})" for name in COUNTERS)
    tallies = f"""
        SELECT t.{{subject}}, n.name, {sums}
        FROM {{table}} t JOIN {{names}} n ON n.id = t.{{subject}}
        WHERE t.month >= :start AND t.month <= :end
        GROUP BY t.{{subject}}, n.name
    """
    per_set, per_reviewer = (
        [
            (row[0], row[1], *(int(n) for n in row[2:]))  # PostgreSQL sums bigints as numeric
            for row in _rows(
                tallies.format(subject=subject, table=table, names=names),
                start=chosen.starts_on,
                end=chosen.ends_on,
            )
        ]
        for subject, table, names in (
            ("set_id", "set_tally", "competency_set"),
            ("reviewer_id", "reviewer_tally", "user_account"),
        )
    )
    per_month = [
        (month.toordinal(), format_month(month), *(int(n) for n in row[1:]))
        for row in _rows(
            f"""
            SELECT t.month, {sums} FROM set_tally t
            WHERE t.month >= :start AND t.month <= :end GROUP BY t.month ORDER BY t.month
            """,
            start=chosen.starts_on,
            end=chosen.ends_on,
        )
        for month in [row[0] if isinstance(row[0], date) else date.fromisoformat(row[0])]
    ]
    months = sorted(rq.summarise(per_month), key=lambda r: r.key)
    return rq.QualityReport(chosen, rq.summarise(per_set), rq.summarise(per_reviewer), months)


def baseline_scoring_screen(assignment_id: int, reviewer_id: int) -> tuple[Any, Any]:
    """A first review's screen (blind, first attempt, link artifacts only) by hand."""
    from portfolio.domain.portfolios.snapshot_html import html_to_show
    from portfolio.domain.portfolios.snapshots import read_snapshot
    from portfolio.services.reviewing.screen import CompetencyScreen, LevelDescriptor, Screen

    (a,) = _rows(
        """
        SELECT a.id, a.kind, a.due_on, a.last_saved_at, a.overall_comment, a.version,
               s.attempt, s.snapshot, s.snapshot_sha256, s.snapshot_html,
               s.snapshot_html_rendered_with, cs.id AS set_id, cs.code, cs.name,
               f.id AS framework_id, f.rules
        FROM assignment a JOIN submission s ON s.id = a.submission_id
        JOIN enrollment_set es ON es.id = s.enrollment_set_id
        JOIN competency_set cs ON cs.id = es.set_id
        JOIN enrollment e ON e.id = es.enrollment_id JOIN framework f ON f.id = e.framework_id
        WHERE a.id = :aid AND a.reviewer_id = :rid AND a.kind <> 'calibration'
        """,
        aid=assignment_id,
        rid=reviewer_id,
    )
    competencies: dict[int, Any] = {}
    own: dict[int, dict[str, str]] = {}
    for row in _rows(
        """
        SELECT c.id, c.code, c.title, c.description, c.provisional, d.level_key, d.text
        FROM competency c LEFT JOIN rubric_descriptor d ON d.competency_id = c.id
        WHERE c.set_id = :sid ORDER BY c.position, c.id
        """,
        sid=a.set_id,
    ):
        competencies.setdefault(
            row.id,
            _ns(
                id=row.id,
                code=row.code,
                title=row.title,
                description=row.description,
                provisional=row.provisional,
            ),
        )
        if row.level_key is not None:
            own.setdefault(row.id, {})[row.level_key] = row.text
    levels = _rows(
        "SELECT key, label, descriptor FROM rubric_level WHERE framework_id = :fid "
        "ORDER BY position",
        fid=a.framework_id,
    )
    mine = {
        r.competency_id: r
        for r in _rows(
            "SELECT competency_id, level, comment FROM rating WHERE assignment_id = :aid",
            aid=assignment_id,
        )
    }
    snapshot = read_snapshot(a.snapshot, a.snapshot_sha256)
    items = tuple(
        CompetencyScreen(
            competency=c,
            anchor=f"competency-{c.id}",
            entry=snapshot.entry(c.code),
            changes=None,
            levels=tuple(
                LevelDescriptor(lv.key, lv.label, own.get(c.id, {}).get(lv.key, lv.descriptor))
                for lv in levels
            ),
            level=mine[c.id].level if c.id in mine else None,
            comment=mine[c.id].comment if c.id in mine else "",
            earlier=(),
        )
        for c in competencies.values()
    )
    assignment = _ns(**{**a._asdict(), "kind": _enum(a.kind)})
    assert a.rules["review"]["blind"], "the baseline draws a blind screen"
    screen = Screen(
        assignment=assignment,  # type: ignore[arg-type]
        set_name=a.name,
        set_code=a.code,
        attempt=a.attempt,
        blind=True,
        candidate_name=None,
        candidate_email=None,
        candidate_library=None,
        learning_statement=snapshot.learning_statement,
        learning_statement_changes=(),
        items=items,
        texts=html_to_show(
            snapshot, a.snapshot_sha256, a.snapshot_html, a.snapshot_html_rendered_with
        ),
        files={},
    )
    return screen, assignment


# ---------------------------------------------------------------- measuring


@contextmanager
def counting(app: Any) -> Iterator[list[str]]:
    from sqlalchemy import event

    from portfolio.extensions import db

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (
            not statement.lstrip()
            .upper()
            .startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK"))
        ):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def login(client: Any, user_id: int) -> None:
    with client.session_transaction() as s:
        s["_user_id"] = f"{user_id}:0"
        s["_fresh"] = True


class BenchError(Exception):
    """A page or its baseline misbehaved: the figures would mean nothing."""


CSRF_TOKEN = re.compile(r'(name="csrf_token" value=")[^"]*(")')


def comparable(html: str) -> str:
    """A page's HTML without what differs on every request (the signed CSRF token)."""
    return CSRF_TOKEN.sub(r"\1\2", html)


def first_difference(page: str, baseline: str) -> str:
    diff = difflib.unified_diff(
        page.splitlines(), baseline.splitlines(), "page", "baseline", n=1, lineterm=""
    )
    return "\n".join(list(diff)[:40])


def page_figures(
    app: Any, client: Any, url: str, baseline_url: str | None, requests: int
) -> dict[str, Any]:
    """Queries and median time of the page and of its baseline endpoint, requested in turn
    through the same client (so both pay the same request handling and machine noise)."""
    bodies = []
    for address in filter(None, (url, baseline_url)):
        first = client.get(address)
        if first.status_code != 200:
            raise BenchError(
                f"{address} answered {first.status_code}: {first.get_data(as_text=True)[:3000]}"
            )
        bodies.append(comparable(first.get_data(as_text=True)))
    if baseline_url and bodies[0] != bodies[1]:
        raise BenchError(
            f"{baseline_url} does not render what {url} does:\n{first_difference(*bodies)}"
        )
    with counting(app) as statements:
        assert client.get(url).status_code == 200, url
    times: dict[str, list[float]] = {"page": [], "baseline": []}
    for _ in range(requests):
        for name, address in (("page", url), ("baseline", baseline_url)):
            if address is None:
                continue
            t = time.perf_counter()
            client.get(address)
            times[name].append((time.perf_counter() - t) * 1000)
    figures: dict[str, Any] = {
        "queries": len(statements),
        "ms": round(statistics.median(times["page"]), 2),
    }
    if baseline_url:
        base = round(statistics.median(times["baseline"]), 2)
        figures["baseline_ms"] = base
        figures["ratio"] = round(figures["ms"] / base, 2)
    return figures


PAGES = ("reviewer_queue", "scoring_screen", "unassigned", "overdue", "quality")


def measure_pages(app: Any, reviewer_id: int, admin_id: int, requests: int) -> dict[str, Any]:
    from flask import render_template
    from sqlalchemy import select

    from portfolio.domain.listing import ListPage
    from portfolio.domain.reviewing.rubric import Rating
    from portfolio.extensions import db
    from portfolio.models import Assignment, AssignmentStatus
    from portfolio.services.reviewing.queues import overdue_list
    from portfolio.services.reviewing.unassigned import unassigned_list
    from portfolio.web.admin.review_quality import PeriodForm

    with app.app_context():
        open_id = db.session.scalar(
            select(Assignment.id)
            .where(
                Assignment.reviewer_id == reviewer_id,
                Assignment.status == AssignmentStatus.ASSIGNED,
                Assignment.due_on >= app_today(),
            )
            .order_by(Assignment.id)
            .limit(1)
        )
    urls = {
        "reviewer_queue": (reviewer_id, "/review/"),
        "scoring_screen": (reviewer_id, f"/review/assignments/{open_id}"),
        "unassigned": (admin_id, "/admin/reviews/unassigned"),
        "overdue": (admin_id, "/admin/reviews/overdue"),
        "quality": (admin_id, "/admin/reviews/quality"),
    }
    today = app_today()
    baselines: dict[str, Callable[[], str]] = {
        "reviewer_queue": lambda: render_template(
            "reviewer/queue.html",
            open_assignments=(q := baseline_queue(reviewer_id))[0],
            done=q[1],
            today=today,
        ),
        "scoring_screen": lambda: render_template(
            "reviewer/assignment.html",
            screen=(drawn := baseline_scoring_screen(open_id, reviewer_id))[0],
            assignment=drawn[1],
            posted=None,
            error=None,
            closed_message=None,
            conflict=False,
        ),
        "unassigned": lambda: render_template(
            "admin/reviews/unassigned.html",
            found=ListPage(baseline_unassigned(), baseline_unassigned_total(), first_page("since")),
            spec=unassigned_list(baseline_set_codes()),
        ),
        "overdue": lambda: render_template(
            "admin/reviews/overdue.html",
            found=ListPage(baseline_overdue(), baseline_overdue_total(), first_page("due")),
            spec=overdue_list(baseline_set_codes()),
            today=today,
        ),
        "quality": lambda: render_template(
            "admin/reviews/quality.html",
            form=PeriodForm(formdata=None),
            report=baseline_quality(),
            ratings=sorted(Rating, reverse=True),
        ),
    }
    app.extensions["bench_baselines"] = baselines
    figures: dict[str, Any] = {}
    for page, (user_id, url) in urls.items():
        client = app.test_client()
        login(client, user_id)
        baseline_url = f"/bench/page/{page}" if page in baselines else None
        figures[page] = page_figures(app, client, url, baseline_url, requests)
    return figures


def load_test(url: str, reviewer_id: int, seconds: int, rounds: int) -> dict[str, Any]:
    """wrk -c16 against gunicorn -w 2: the reviewer queue and the baseline endpoint, `rounds`
    runs of `seconds` each, alternating (after a 2 s warm-up of each when seconds > 1)."""
    import socket

    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed"}
    app = bench_app(url)
    cookie_value = app.session_interface.get_signing_serializer(app).dumps(  # type: ignore[attr-defined]
        {"_user_id": f"{reviewer_id}:0", "_fresh": True}
    )
    cookie = f"{app.config['SESSION_COOKIE_NAME']}={cookie_value}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BENCH_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "5",
            "bench.review_queue:bench_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        import urllib.request

        deadline = time.monotonic() + 120  # each worker imports the app: slow on a busy machine
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz-none", timeout=5)
            except urllib.error.HTTPError:
                break  # any answer (a 404 here) means a worker is serving
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise BenchError("gunicorn did not start serving the bench app") from None
                time.sleep(0.2)
        paths = {"reviewer_queue": "/review/", "baseline": "/bench/queue"}

        def wrk(path: str, seconds: int) -> tuple[float, str]:
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c16",
                    f"-d{seconds}s",
                    "-H",
                    f"Cookie: {cookie}",
                    f"http://127.0.0.1:{port}{path}",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rps = next(
                float(line.split()[1])
                for line in out.splitlines()
                if line.startswith("Requests/sec")
            )
            non2xx = next((line for line in out.splitlines() if "Non-2xx" in line), "")
            return rps, non2xx.strip()

        for path in paths.values():
            check = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie}
            )
            with urllib.request.urlopen(check, timeout=10) as response:
                assert response.status == 200 and b"Your reviews" in response.read(), path
            if seconds > 1:  # warm-up, not counted: each worker compiles templates, queries once
                wrk(path, 2)
        # Alternate the two (A B A B), so neither gains from going second on a busy machine.
        runs: dict[str, list[float]] = {name: [] for name in paths}
        problems: dict[str, str] = {}
        for _ in range(rounds):
            for name, path in paths.items():
                rps, non2xx = wrk(path, seconds)
                # A run too short to finish one request (a busy machine, workers still
                # warming up) measures nothing: run it again, longer.
                for longer in (seconds + 1, seconds + 3):
                    if rps > 0:
                        break
                    rps, non2xx = wrk(path, longer)
                if rps <= 0:
                    raise BenchError(f"{path} answered no request in {seconds + 3} s")
                runs[name].append(rps)
                problems[name] = problems.get(name) or non2xx
        result: dict[str, Any] = {
            name: {"rps": round(statistics.mean(r), 1), "runs": r, "non_2xx": problems[name]}
            for name, r in runs.items()
        }
        result["ratio"] = round(result["reviewer_queue"]["rps"] / result["baseline"]["rps"], 2)
        return result
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:  # a worker still busy after its graceful timeout
            server.kill()
            server.wait()


def burst(
    app: Any,
    ids: Ids,
    framework_id: int,
    set_ids: list[int],
    comp_ids: list[list[int]],
    reviewer_ids: list[int],
    first: int,
    count: int,
) -> dict[str, Any]:
    """`count` freshly submitted sets, assigned one request (transaction) each, back to back."""
    from sqlalchemy import func, select

    from portfolio.extensions import db
    from portfolio.models import Assignment, AssignmentStatus, ReviewerProfile, Submission
    from portfolio.services.reviewing import assignments
    from portfolio.services.reviewing.pool import OPEN_KINDS

    with app.app_context():
        subs = seed_candidates(
            db.session,
            ids,
            framework_id,
            set_ids,
            comp_ids,
            reviewer_ids,
            first,
            count,
            submitted_sets=1,
            reviewed=False,
        )
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(Assignment))
        today = app_today()
        t = time.perf_counter()
        for sid in subs:
            submission = db.session.get(Submission, sid)
            assignments.assign_for_submission(db.session, submission, today)
            db.session.commit()
        seconds = time.perf_counter() - t
        made = db.session.scalar(select(func.count()).select_from(Assignment)) - before
        over = db.session.execute(
            select(ReviewerProfile.user_id, ReviewerProfile.capacity, func.count(Assignment.id))
            .join(Assignment, Assignment.reviewer_id == ReviewerProfile.user_id)
            .where(
                Assignment.status == AssignmentStatus.ASSIGNED,
                Assignment.kind.in_(OPEN_KINDS),
                Assignment.submission_id.in_(subs),
            )
            .group_by(ReviewerProfile.user_id, ReviewerProfile.capacity)
        ).all()
        # Capacity counts every open review, the seeded ones too.
        open_now = dict(
            db.session.execute(
                select(Assignment.reviewer_id, func.count())
                .where(
                    Assignment.status == AssignmentStatus.ASSIGNED, Assignment.kind.in_(OPEN_KINDS)
                )
                .group_by(Assignment.reviewer_id)
            ).all()
        )
        seeded_open = {uid: open_now.get(uid, 0) - n for uid, _cap, n in over}
        went_over = [
            uid
            for uid, cap, n in over
            if n > 0 and open_now.get(uid, 0) > max(cap, seeded_open[uid])
        ]
        return {
            "sets": len(subs),
            "assignments": made,
            "seconds": round(seconds, 2),
            "assignments_per_second": round(made / seconds, 1),
            "reviewers_over_capacity": len(went_over),
            "max_open_after": max(open_now.values(), default=0),
            "capacity": CAPACITY,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--burst", type=int, default=1000, help="sets submitted in the burst")
    parser.add_argument("--no-load", action="store_true", help="skip the gunicorn + wrk part")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a run of seconds that only proves the bench works (make test): "
        "150 candidates, 2 requests a page, one 1 s load run of each endpoint, 20 burst sets",
    )
    args = parser.parse_args()
    if args.smoke:
        args.candidates, args.requests, args.burst = 150, 2, 20
    if args.candidates <= 100:
        parser.error("--candidates must be over 100 (the query counts are compared at 100)")
    load_seconds, load_rounds = (1, 1) if args.smoke else (5, 2)
    # MAIL_SUPPRESS_SEND logs every email; 2,000 assignment emails would bury the figures.
    logging.getLogger("portfolio.services.mail").setLevel(logging.ERROR)
    from sqlalchemy import text

    from portfolio.extensions import db
    from portfolio.models import Base
    from portfolio.services.reviewing import tallies as review_tallies

    report: dict[str, Any] = {"candidates": args.candidates, "smoke": args.smoke}
    started = time.perf_counter()
    with fresh_database() as url:
        app = bench_app(url)
        ids = Ids()
        with app.app_context():
            Base.metadata.create_all(db.engine)
            framework, set_ids, comp_ids = seed_framework(db.session)
            admin_id, reviewer_ids = seed_people(db.session)
            framework_id = framework.id
            seed_candidates(db.session, ids, framework_id, set_ids, comp_ids, reviewer_ids, 0, 100)
            fix_sequences(db.session)
            review_tallies.rebuild(db.session)
            db.session.commit()
        small = measure_pages(app, reviewer_ids[0], admin_id, args.requests)
        t = time.perf_counter()
        with app.app_context():
            step = 2000
            for first in range(100, args.candidates, step):
                seed_candidates(
                    db.session,
                    ids,
                    framework_id,
                    set_ids,
                    comp_ids,
                    reviewer_ids,
                    first,
                    min(step, args.candidates - first),
                )
                db.session.commit()
            fix_sequences(db.session)
            t_tally = time.perf_counter()
            tally_rows = review_tallies.rebuild(db.session)
            report["retally"] = {
                "rows": tally_rows,
                "seconds": round(time.perf_counter() - t_tally, 1),
            }
            db.session.commit()
            counts = {
                table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("user_account", "submission", "assignment", "rating")
            }
        report["seed_seconds"] = round(time.perf_counter() - t, 1)
        report["rows"] = counts
        large = measure_pages(app, reviewer_ids[0], admin_id, args.requests)
        report["pages"] = {
            page: {
                "queries_at_100": small[page]["queries"],
                f"queries_at_{args.candidates}": large[page]["queries"],
                "same_queries": small[page]["queries"] == large[page]["queries"],
                "ms": large[page]["ms"],
                "baseline_ms": large[page].get("baseline_ms"),
                "ratio": large[page].get("ratio"),
            }
            for page in PAGES
        }
        report["load"] = (
            {"skipped": "--no-load"}
            if args.no_load
            else load_test(url, reviewer_ids[0], load_seconds, load_rounds)
        )
        report["burst"] = burst(
            app,
            ids,
            framework_id,
            set_ids,
            comp_ids,
            reviewer_ids,
            args.candidates + 10,
            args.burst,
        )
        with app.app_context():
            db.engine.dispose()
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    seeded = f"(seeded in {report['seed_seconds']} s)"
    print(f"Rows at {args.candidates} candidates: {report['rows']} {seeded}")
    for page, f in report["pages"].items():
        print(
            f"{page:15} queries {f['queries_at_100']} at 100, {f[f'queries_at_{args.candidates}']} "
            f"at {args.candidates}; {f['ms']} ms "
            f"(baseline {f['baseline_ms']} ms, ratio {f['ratio']})"
        )
    print(f"load: {report['load']}")
    print(f"burst: {report['burst']}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
