"""Administrators' reports at scale: the cohort dashboard, the at-risk list, one person page and
a CSV export, each next to a hand-written-SQL baseline rendering the same output.

    python bench/reports.py [--candidates 10000] [--requests 15]
    python bench/reports.py --smoke   # seconds: proves the bench works (make test runs it)

One run, on a fresh PostgreSQL database made here and dropped at the end:
1. Seeds one program (3 required sets, 3 electives, 2 electives required), an administrator,
   reviewers, and 100 enrolled candidates with COPY: their applications and fees, enrollments
   with every set in one state or another (met, in review, submitted, not yet met, resubmitted,
   draft, not started; by portfolio or by course), portfolios and narratives (the activity the
   at-risk list reads), submissions and their two reviews, decisions and certificates, and the
   audit trail. A quarter of the candidates are certified, 1 in 20 closed not certified, the
   rest on their way; about 1 in 5 of those has done nothing for months, and the oldest have a
   window ending soon (the at-risk list). Besides, 1 in 20 applicants waits for a decision or
   was turned down (never enrolled). Then everything is measured; then the candidates grow to N
   (default 10,000) and everything is measured again.
2. Per page (/admin/cohorts, /admin/at-risk, /admin/people/<the first candidate>): the SQL
   statements a request sends (must be equal at 100 and at N, or the bench fails) and the median
   time of `--requests` requests through the Flask test client, next to a baseline endpoint of
   the same app that fetches the same figures with hand-written SQL and renders the same
   template (the cohort baseline reads the same per-enrollment progress tallies as the page,
   filled by the database's triggers as the seed's COPY writes sets and submissions); page and
   baseline are requested in turn (A B A B) through the same client. Each
   baseline must first render exactly the page's HTML (CSRF tokens aside), or the bench stops:
   a baseline that rendered less would flatter the ratio.
3. The CSV export of the approved applications (/admin/applications?status=approved&format=csv:
   one row per enrolled candidate, so 100 rows, then N), next to a baseline endpoint streaming
   the same rows from a hand-written query through a server-side cursor into the same CSV
   writer (the bodies must be byte-identical). Measured: statements (equal at 100 and N), the
   median time of the whole download (alternated), whether it streams (the first chunk arrives
   long before the last and holds a small part of the rows), and the serving process's memory
   growth while streaming 100 rows and N rows: the peak of Python allocations (tracemalloc) and
   the peak resident set (VmHWM, reset through /proc/self/clear_refs) above the resident set
   before. Flat means the growth at N is within a fixed 2 MiB of the growth at 100 (one batch
   of 500 rows against a fifth of one).
The last line printed is one JSON object with the figures; the exit status is 1 when a query
count grew with N or the export did not stream with flat memory.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import json
import logging
import os
import random
import re
import statistics
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
REQUIRED, ELECTIVES, ELECTIVES_REQUIRED, COMPETENCIES = 3, 3, 2, 4
REVIEWERS = 40
WINDOW_DAYS = 4 * 365 + 1  # the rules' completion window of 4 years
PAGES = ("cohorts", "at_risk", "person")
CSV_URL = "/admin/applications?status=approved&format=csv"
CHUNK = 64 * 1024  # web.exports.CHUNK: the export sends its text in pieces of this size
# Bytes: "flat" memory is within this of the 100-row export's. Rows are read 500 at a time
# (services.listing.EXPORT_BATCH), so 100 rows are a fifth of one batch and any longer export
# holds a whole batch: about 1 MiB more, whatever the length; a buffered 10,000-row export
# would hold its whole text (1 MiB) and every row besides.
FLAT_MARGIN = 2 * 1024 * 1024
SLUG = "bench"


def app_today() -> date:
    """The app's calendar day (UTC), so seeded dates and the baselines agree with its pages."""
    from portfolio.web.clock import today

    return today()


# ---------------------------------------------------------------- database and app


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"bench_reports_{uuid.uuid4().hex[:8]}"
    plain = SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_app(url: str) -> Any:
    """The app plus the hand-written baseline endpoints."""
    from flask import Response

    from portfolio import create_app

    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": url,
            "MAIL_SUPPRESS_SEND": True,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )

    @app.get("/bench/page/<name>")
    def page_baseline(name: str) -> str:
        # Set by measure_pages: the hand-written version of each page, served like a view.
        render: Callable[[], str] = app.extensions["bench_baselines"][name]
        return render()

    @app.get("/bench/csv")
    def csv_baseline() -> Response:
        from portfolio.web.admin.applications import APPLICATION_COLUMNS
        from portfolio.web.exports import export

        return export("csv", "applications", APPLICATION_COLUMNS, baseline_csv_rows())

    return app


# ---------------------------------------------------------------- seeding


class Ids:
    """Explicit primary keys for the bulk rows, so foreign keys need no round trips."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self.next.get(table, 1_000_000)
        self.next[table] = value + 1
        return value


def copy_rows(session: Any, table_name: str, rows: list[dict[str, Any]]) -> None:
    """COPY the rows into the table; columns left out take the model's default."""
    import enum

    from psycopg.types.json import Jsonb

    from portfolio.models import Base
    from portfolio.models.base import JSONDocument

    if not rows:
        return
    table = Base.metadata.tables[table_name]
    given = list(rows[0])
    defaults = {
        column.name: column.default.arg(None) if column.default.is_callable else column.default.arg
        for column in table.c
        if column.name not in given and column.default is not None
    }
    columns = given + list(defaults)
    json_columns = {c.name for c in table.c if isinstance(c.type, JSONDocument)}

    def plain(name: str, value: Any) -> Any:
        if name in json_columns:
            return Jsonb(value)
        if isinstance(value, enum.Enum):  # psycopg would write an enum's name
            return value.value
        return value

    tail = [plain(name, value) for name, value in defaults.items()]
    raw = session.connection().connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([plain(name, row[name]) for name in given] + tail)


def seed_program(session: Any) -> dict[str, Any]:
    """The program, the administrator and the reviewers; the ids the candidates need."""
    from portfolio.models import (
        Competency,
        CompetencySet,
        Framework,
        FrameworkStatus,
        Role,
        SetKind,
        User,
        UserRole,
    )
    from tests.framework_documents import rules_document

    required = [f"S{s + 1}" for s in range(REQUIRED)]
    framework = Framework(
        slug=SLUG,
        version=1,
        name="Bench Program",
        status=FrameworkStatus.PUBLISHED,
        rules=rules_document(required, ELECTIVES_REQUIRED),
    )
    framework.sets = [
        CompetencySet(
            code=f"S{s + 1}",
            name=f"Set number {s + 1}",
            kind=SetKind.REQUIRED if s < REQUIRED else SetKind.ELECTIVE,
            position=s,
            competencies=[
                Competency(code=f"S{s + 1}C{c + 1}", title=f"Competency {c + 1}", position=c)
                for c in range(COMPETENCIES)
            ],
        )
        for s in range(REQUIRED + ELECTIVES)
    ]
    session.add(framework)
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
    return {
        "framework_id": framework.id,
        "set_ids": [s.id for s in framework.sets],
        "competency_ids": [[c.id for c in s.competencies] for s in framework.sets],
        "admin_id": admin.id,
        "reviewer_ids": [u.id for u in reviewers],
    }


_SNAPSHOTS: dict[int, dict[str, Any]] = {}


def snapshot(s: int) -> dict[str, Any]:
    """A set's frozen document as submitting stores it (a few KiB of narratives)."""
    narrative = (
        "I **catalogued** two hundred donated books, trained two volunteers to shelve them, and "
        "wrote the guide the desk still uses. " * 4
    )
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
                    "narrative": narrative,
                    "artifacts": [
                        {"id": 1, "kind": "link", "caption": "Blog post", "url": "https://e.org/p"}
                    ],
                }
                for c in range(COMPETENCIES)
            ],
        }
    return _SNAPSHOTS[s]


# How a set stands, by weight, for candidates on their way (per set they have started).
ON_THE_WAY = (
    ("met", 40),
    ("in_review", 15),
    ("submitted", 10),
    ("not_yet_met", 10),
    ("resubmitted", 5),
    ("draft", 20),
)
SENT_IN = {"submitted", "in_review", "met", "not_yet_met", "resubmitted", "closed_not_met"}


def seed_candidates(session: Any, ids: Ids, world: dict[str, Any], first: int, count: int) -> None:
    """Candidates first..first+count (and 1 applicant in 20 never enrolled), with COPY."""
    rows: dict[str, list[dict[str, Any]]] = {
        t: []
        for t in (
            "user_account",
            "user_role",
            "application",
            "payment",
            "enrollment",
            "enrollment_set",
            "portfolio",
            "portfolio_entry",
            "submission",
            "assignment",
            "certification_decision",
            "certificate",
            "audit_event",
        )
    }
    today = app_today()
    now = datetime.now(UTC)
    rng = random.Random(first)
    admin_id, reviewers = world["admin_id"], world["reviewer_ids"]
    states, weights = zip(*ON_THE_WAY, strict=True)

    def audit(at: datetime, actor: int | None, action: str, kind: str, object_id: int) -> None:
        rows["audit_event"].append(
            {
                "id": ids.take("audit"),
                "at": at,
                "actor_id": actor,
                "action": action,
                "object_type": kind,
                "object_id": str(object_id),
                "details": {},
            }
        )

    def person(i: int, name: str, created: datetime, signed_in: datetime | None) -> int:
        uid = ids.take("user")
        rows["user_account"].append(
            {
                "id": uid,
                "email": f"{name[0].lower()}{i}@bench.example",
                "name": f"{name} {i} Ñúñez",
                "password_hash": "!",
                "email_confirmed_at": created,
                "created_at": created,
                "last_sign_in_at": signed_in,
            }
        )
        rows["user_role"].append(
            {"id": ids.take("role"), "user_id": uid, "role": "candidate", "granted_at": created}
        )
        return uid

    def application(uid: int, status: str, submitted: datetime, eligibility: str) -> int:
        app_id = ids.take("application")
        decided = status in ("approved", "rejected")
        rows["application"].append(
            {
                "id": app_id,
                "user_id": uid,
                "framework_id": world["framework_id"],
                "status": status,
                "eligibility": eligibility,
                "hours_counted": rng.randint(1820, 6000),
                "submitted_at": submitted,
                "decided_at": submitted + timedelta(days=10) if decided else None,
                "decided_by_id": admin_id if decided else None,
                "created_at": submitted - timedelta(days=3),
                "updated_at": submitted,
            }
        )
        audit(submitted, uid, "application.submitted", "application", app_id)
        if decided:
            audit(submitted + timedelta(days=10), admin_id, f"application.{status}", "user", uid)
        return app_id

    for i in range(first, first + count):
        kind = "certified" if i % 20 < 5 else "closed" if i % 20 == 5 else "active"
        days_ago = {
            "certified": rng.randint(500, 1500),
            "closed": rng.randint(WINDOW_DAYS + 20, WINDOW_DAYS + 300),
            "active": rng.randint(20, WINDOW_DAYS + 10),
        }[kind]
        submitted = now - timedelta(days=days_ago, hours=rng.randint(0, 23))
        enrolled_on = (submitted + timedelta(days=14)).date()
        enrolled_at = datetime.combine(enrolled_on, datetime.min.time(), UTC)
        since_enrolled = max(1, (today - enrolled_on).days)
        if kind == "active":  # 1 in 5 idle for months (if enrolled long enough ago)
            idle = rng.random() < 0.2
            quiet = rng.randint(100, 400) if idle else rng.randint(0, 60)
            last = now - timedelta(days=min(quiet, since_enrolled - 1), hours=rng.randint(0, 23))
        else:
            last = enrolled_at + timedelta(days=rng.randint(1, max(1, since_enrolled - 60)))
        last = max(last, enrolled_at)
        uid = person(i, "Candidate", submitted - timedelta(days=5), last if i % 25 else None)
        app_id = application(uid, "approved", submitted, "eligible")
        rows["payment"].append(
            {
                "id": ids.take("payment"),
                "application_id": app_id,
                "kind": "payment",
                "amount_cents": 35000,
                "method": "check",
                "reference": f"CHK-{i}",
                "received_on": submitted.date(),
                "recorded_by_id": admin_id,
                "created_at": submitted,
            }
        )
        enr = ids.take("enrollment")
        rows["enrollment"].append(
            {
                "id": enr,
                "user_id": uid,
                "framework_id": world["framework_id"],
                "application_id": app_id,
                "status": kind,
                "enrolled_on": enrolled_on,
                "window_ends_on": enrolled_on + timedelta(days=WINDOW_DAYS),
                "created_at": enrolled_at,
            }
        )
        portfolio_id = ids.take("portfolio")
        rows["portfolio"].append(
            {
                "id": portfolio_id,
                "enrollment_id": enr,
                "learning_statement": "I grew a lot over two years at the desk.",
                "updated_at": enrolled_at + (last - enrolled_at) / 2,
            }
        )
        if kind == "certified":
            course = i % 4 == 0
            chosen = ["met"] * (REQUIRED + ELECTIVES_REQUIRED) + ["draft"]
        elif kind == "closed":
            chosen = ["met", "not_yet_met", "closed_not_met", "draft", "not_started", "not_started"]
            course = False
        else:
            started = rng.randint(0, REQUIRED + ELECTIVES - 1)
            chosen = rng.choices(states, weights, k=started)
            chosen += ["not_started"] * (REQUIRED + ELECTIVES - started)
            course = False
        for s, state in enumerate(chosen):
            es = ids.take("enrollment_set")
            by_course = course and s == REQUIRED  # the first elective, by an approved course
            rows["enrollment_set"].append(
                {
                    "id": es,
                    "enrollment_id": enr,
                    "set_id": world["set_ids"][s],
                    "route": "course"
                    if by_course
                    else "undecided"
                    if state == "not_started"
                    else "portfolio",
                    "status": "not_started" if by_course else state,
                    "course_status": "verified" if by_course else None,
                    "course_name": "Cataloguing 101" if by_course else "",
                    "course_provider": "Bench College" if by_course else "",
                }
            )
            if state == "not_started" or by_course:
                continue
            for c, competency_id in enumerate(world["competency_ids"][s]):
                rows["portfolio_entry"].append(
                    {
                        "id": ids.take("entry"),
                        "portfolio_id": portfolio_id,
                        "competency_id": competency_id,
                        "narrative": "I catalogued two hundred donated books.",
                        "updated_at": last - timedelta(days=c),
                    }
                )
            if state not in SENT_IN:
                continue
            attempts = ["not_yet_met", "submitted"] if state == "resubmitted" else [state]
            for attempt, outcome in enumerate(attempts, start=1):
                sub = ids.take("submission")
                at = enrolled_at + timedelta(days=rng.randint(1, since_enrolled) * attempt / 2)
                outcome = "not_yet_met" if outcome == "closed_not_met" else outcome
                rows["submission"].append(
                    {
                        "id": sub,
                        "enrollment_set_id": es,
                        "attempt": attempt,
                        "submitted_at": at,
                        "submitted_by_id": uid,
                        "snapshot": snapshot(s),
                        "snapshot_sha256": "0" * 64,
                        "status": outcome,
                    }
                )
                audit(at, uid, "set.submitted", "submission", sub)
                if outcome == "submitted":
                    continue
                for k, reviewer in enumerate(rng.sample(reviewers, 2)):
                    done = outcome != "in_review" or k == 0
                    rows["assignment"].append(
                        {
                            "id": ids.take("assignment"),
                            "submission_id": sub,
                            "reviewer_id": reviewer,
                            "status": "submitted" if done else "assigned",
                            "assigned_at": at,
                            "due_on": (at + timedelta(days=21)).date(),
                            "submitted_at": at + timedelta(days=rng.randint(1, 20))
                            if done
                            else None,
                        }
                    )
        if kind == "certified":
            issued_on = min(today, enrolled_on + timedelta(days=rng.randint(90, days_ago - 15)))
            decided = datetime.combine(issued_on, datetime.min.time(), UTC)
            decision_id = ids.take("decision")
            rows["certification_decision"].append(
                {
                    "id": decision_id,
                    "enrollment_id": enr,
                    "status": "certified",
                    "reasons": {"summary": "Every requirement is met.", "reasons": []},
                    "decided_at": decided,
                }
            )
            rows["certificate"].append(
                {
                    "id": ids.take("certificate"),
                    "number": f"BENCH-{i:07d}",
                    "enrollment_id": enr,
                    "user_id": uid,
                    "framework_id": world["framework_id"],
                    "issued_on": issued_on,
                    "expires_on": issued_on + timedelta(days=3 * 365),
                    "status_index": None,
                }
            )
            audit(decided, None, "certification.decided", "enrollment", enr)
        elif kind == "closed":
            decided = datetime.combine(
                enrolled_on + timedelta(days=WINDOW_DAYS + 1), datetime.min.time(), UTC
            )
            rows["certification_decision"].append(
                {
                    "id": ids.take("decision"),
                    "enrollment_id": enr,
                    "status": "not_certified",
                    "reasons": {"summary": "The window ended.", "reasons": []},
                    "decided_at": decided,
                }
            )
            audit(decided, None, "certification.decided", "enrollment", enr)
        if i % 20 == 7:  # an applicant who never enrolled: waiting, or turned down
            waiting = rng.random() < 0.5
            applied = now - timedelta(days=rng.randint(1, 60 if waiting else 900))
            other = person(i, "Applicant", applied - timedelta(days=2), applied)
            application(
                other,
                "submitted" if waiting else "rejected",
                applied,
                "needs_review" if waiting else "not_eligible",
            )
    # Parents before children (the foreign keys are checked row by row).
    for table, values in rows.items():
        copy_rows(session, table, values)


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


def _utc(moment: datetime | None) -> datetime | None:
    """As the app's UTC columns give them (PostgreSQL answers in the session's time zone)."""
    return None if moment is None else moment.astimezone(UTC)


COHORTS_SQL = """
SELECT year, quarter,
       count(*) AS enrolled,
       count(*) FILTER (WHERE status = 'active') AS active,
       count(*) FILTER (WHERE status = 'certified') AS certified,
       count(*) FILTER (WHERE status = 'closed') AS closed,
       coalesce(sum(met), 0) AS sets_met,
       coalesce(sum(in_review), 0) AS sets_in_review,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days)
           FILTER (WHERE status = 'certified') AS median_days,
       GROUPING(year, quarter) AS is_total
FROM (
    SELECT CAST(extract(year FROM e.enrolled_on) AS int) AS year,
           CAST(extract(quarter FROM e.enrolled_on) AS int) AS quarter,
           e.status, c.issued_on - e.enrolled_on AS days, p.sets_met AS met,
           p.sets_in_review AS in_review
    FROM enrollment e
    LEFT JOIN certificate c ON c.enrollment_id = e.id
    LEFT JOIN enrollment_progress p ON p.enrollment_id = e.id
) cohort
GROUP BY GROUPING SETS ((year, quarter), ())
"""

DAYS = "c.issued_on - e.enrolled_on"
DAYS_SQL = """
SELECT {bins}
FROM enrollment e JOIN certificate c ON c.enrollment_id = e.id
WHERE e.status = 'certified'
"""

FUNNEL_SQL = """
SELECT year, quarter,
       count(*) AS applied,
       count(*) FILTER (WHERE approved) AS approved,
       count(enrollment_id) AS enrolled,
       count(*) FILTER (WHERE submitted_a_set) AS submitted_a_set,
       {met},
       count(*) FILTER (WHERE certified) AS certified,
       GROUPING(year, quarter) AS is_total
FROM (
    SELECT CAST(extract(year FROM a.submitted_at) AS int) AS year,
           CAST(extract(quarter FROM a.submitted_at) AS int) AS quarter,
           a.status = 'approved' AS approved, e.id AS enrollment_id,
           coalesce(p.submissions, 0) > 0 AS submitted_a_set,
           coalesce(p.sets_satisfied, 0) AS met,
           coalesce(e.status = 'certified', false) AS certified
    FROM application a
    LEFT JOIN enrollment e ON e.application_id = a.id
    LEFT JOIN enrollment_progress p ON p.enrollment_id = e.id
    WHERE a.status <> 'draft' AND a.submitted_at IS NOT NULL
) intake
GROUP BY GROUPING SETS ((year, quarter), ())
"""


def baseline_cohorts() -> str:
    """The cohort dashboard: the program filter, the cohort table and its totals (median days
    by percentile_cont), the days histogram and the intake funnels, by hand."""
    from flask import render_template

    from portfolio.domain.reporting.cohorts import Quarter, share
    from portfolio.domain.reporting.funnel import DAY_BINS, SETS_SHOWN, Bin, Stage, day_histogram
    from portfolio.services.reporting.cohorts import TOTALS_LABEL, CohortReport, CohortRow
    from portfolio.services.reporting.funnel import IntakeFunnel
    from portfolio.web.admin.cohorts import CohortFilterForm

    today = app_today()
    form = CohortFilterForm(formdata=None)
    form.program.choices = [("", "All programs")] + [
        (row.slug, f"{row.name} ({row.slug})")
        for row in _rows(
            """
            SELECT DISTINCT ON (slug) slug, name FROM framework WHERE status = 'published'
            ORDER BY slug, version DESC
            """
        )
    ]
    form.program.choices[1:] = sorted(form.program.choices[1:], key=lambda c: c[1])
    cohorts, totals = [], None
    for row in _rows(COHORTS_SQL):
        quarter = None if row.is_total else Quarter(row.year, row.quarter)
        cohort = CohortRow(
            label=TOTALS_LABEL if quarter is None else quarter.label,
            quarter=quarter,
            is_current=quarter is not None and quarter.contains(today),
            enrolled=row.enrolled,
            active=row.active,
            certified=row.certified,
            closed=row.closed,
            sets_met=int(row.sets_met),
            sets_in_review=int(row.sets_in_review),
            median_days_to_certify=row.median_days,
            share_certified=share(row.certified, row.enrolled),
        )
        if quarter is None:
            totals = cohort
        else:
            cohorts.append(cohort)
    cohorts.sort(key=lambda c: c.quarter, reverse=True)
    lower, bins = 0, []
    for edge in DAY_BINS:
        bins.append(f"count(*) FILTER (WHERE {DAYS} BETWEEN {lower} AND {edge})")
        lower = edge + 1
    bins.append(f"count(*) FILTER (WHERE {DAYS} > {DAY_BINS[-1]})")
    (counts,) = _rows(DAYS_SQL.format(bins=", ".join(bins)))
    histogram = [Bin(b.label, n) for b, n in zip(day_histogram([]), counts, strict=True)]
    report = CohortReport(None, today, cohorts, totals, histogram) if totals else None
    met = ", ".join(
        f"count(*) FILTER (WHERE met >= {n}) AS met_{n}" for n in range(1, SETS_SHOWN + 1)
    )
    labels = [stage.label for stage in _empty_funnel()]
    quarters, everyone = [], None
    for row in _rows(FUNNEL_SQL.format(met=met)):
        counts = row[2:-1]
        intake = IntakeFunnel(
            "All intakes" if row.is_total else Quarter(row.year, row.quarter).label,
            [Stage(label, n) for label, n in zip(labels, counts, strict=True)],
        )
        if row.is_total:
            everyone = intake
        else:
            quarters.append(((row.year, row.quarter), intake))
    quarters.sort(key=lambda q: q[0], reverse=True)
    funnels = ([q for _, q in quarters], everyone) if everyone else None
    return render_template(
        "admin/cohorts.html", form=form, report=report, funnels=funnels, shown_quarters=6
    )


def _empty_funnel() -> list[Any]:
    from portfolio.domain.reporting.funnel import funnel

    return funnel([])


AT_RISK_SQL = """
SELECT e.id, u.id AS user_id, u.name, u.email, f.name AS program, e.window_ends_on,
       greatest(e.created_at, u.last_sign_in_at, p.updated_at, pe.last_at) AS last_at,
       CAST(f.rules ->> 'electives_required' AS int) AS electives_required,
       count(*) OVER () AS total
FROM enrollment e
JOIN user_account u ON u.id = e.user_id
JOIN framework f ON f.id = e.framework_id
LEFT JOIN portfolio p ON p.enrollment_id = e.id
LEFT JOIN (
    SELECT portfolio_id, max(updated_at) AS last_at FROM portfolio_entry GROUP BY portfolio_id
) pe ON pe.portfolio_id = p.id
WHERE e.status = 'active'
  AND (e.window_ends_on <= :horizon
       OR greatest(e.created_at, u.last_sign_in_at, p.updated_at, pe.last_at) < :idle)
ORDER BY e.window_ends_on, e.id
LIMIT :per_page
"""

AT_RISK_SETS_SQL = """
SELECT es.enrollment_id, cs.code, cs.name, cs.kind, es.route, es.status, es.course_status
FROM enrollment_set es JOIN competency_set cs ON cs.id = es.set_id
WHERE es.enrollment_id = ANY(:ids) AND es.dropped_on IS NULL
ORDER BY es.enrollment_id, es.id
"""


def at_risk_total() -> int:
    """How many candidates the at-risk list holds (all pages)."""
    from portfolio.domain.reporting.at_risk import inactive_before, window_horizon

    today = app_today()
    rows = _rows(
        AT_RISK_SQL, horizon=window_horizon(today), idle=inactive_before(today), per_page=1
    )
    return int(rows[0].total) if rows else 0


def baseline_at_risk() -> str:
    """The first page of the at-risk list: one query for the page and its total, one for the
    page's sets; what is missing by the evaluation rule (as the service says it)."""
    from flask import render_template

    from portfolio.domain.certification.evaluation import Route, evaluate
    from portfolio.domain.lifecycle import SetLifecycle
    from portfolio.domain.listing import ListPage, read_list_request
    from portfolio.domain.reporting.at_risk import inactive_before, risk_reasons, window_horizon
    from portfolio.models import CourseStatus, SetKind
    from portfolio.services.certification.set_states import state_of
    from portfolio.services.reporting.at_risk import AT_RISK_LIST, AtRiskRow

    today = app_today()
    asked = read_list_request({}, AT_RISK_LIST)
    page = _rows(
        AT_RISK_SQL,
        horizon=window_horizon(today),
        idle=inactive_before(today),
        per_page=asked.per_page,
    )
    sets: dict[int, list[Any]] = {row.id: [] for row in page}
    for s in _rows(AT_RISK_SETS_SQL, ids=list(sets)):
        sets[s.enrollment_id].append(
            state_of(
                s.code,
                s.name,
                SetKind(s.kind),
                Route(s.route),
                SetLifecycle(s.status),
                None if s.course_status is None else CourseStatus(s.course_status),
            )
        )
    rows = [
        AtRiskRow(
            row.id,
            row.user_id,
            row.name,
            row.email,
            row.program,
            row.window_ends_on,
            _utc(row.last_at),
            risk_reasons(row.window_ends_on, _utc(row.last_at), today),
            evaluate(sets[row.id], row.electives_required, row.window_ends_on, today).summary,
        )
        for row in page
    ]
    found = ListPage(rows, page[0].total if page else 0, asked)
    return render_template("admin/at_risk.html", found=found, spec=AT_RISK_LIST)


PERSON_SQL = {
    "person": """
        SELECT u.id, u.name, u.email, u.email_confirmed_at, u.created_at, u.last_sign_in_at,
               array(SELECT r.role FROM user_role r WHERE r.user_id = u.id) AS roles
        FROM user_account u WHERE u.id = :uid
    """,
    "applications": """
        SELECT a.id, a.status, a.submitted_at, a.hours_counted, f.name AS framework_name
        FROM application a JOIN framework f ON f.id = a.framework_id
        WHERE a.user_id = :uid ORDER BY a.id DESC LIMIT :limit
    """,
    "payments": """
        SELECT p.received_on, p.kind, p.amount_cents, p.method, p.reference
        FROM payment p JOIN application a ON a.id = p.application_id
        WHERE a.user_id = :uid ORDER BY p.received_on DESC, p.id DESC LIMIT :limit
    """,
    "enrollments": """
        SELECT e.id, e.status, e.enrolled_on, e.window_ends_on, f.name AS framework_name,
               es.id AS set_row, es.route, es.status AS set_status, es.course_status,
               cs.code, cs.name,
               last.id AS submission_id, last.attempt, last.submitted_at
        FROM (SELECT * FROM enrollment WHERE user_id = :uid ORDER BY id DESC LIMIT :limit) e
        JOIN framework f ON f.id = e.framework_id
        LEFT JOIN enrollment_set es ON es.enrollment_id = e.id AND es.dropped_on IS NULL
        LEFT JOIN competency_set cs ON cs.id = es.set_id
        LEFT JOIN LATERAL (
            SELECT s.id, s.attempt, s.submitted_at FROM submission s
            WHERE s.enrollment_set_id = es.id ORDER BY s.id DESC LIMIT 1
        ) last ON true
        ORDER BY e.id DESC, es.id
    """,
    "certificates": """
        SELECT id, number, issued_on, expires_on, revoked_at FROM certificate
        WHERE user_id = :uid ORDER BY id DESC LIMIT :limit
    """,
    "decisions": """
        SELECT d.id, d.status, d.decided_at FROM certification_decision d
        JOIN enrollment e ON e.id = d.enrollment_id
        WHERE e.user_id = :uid ORDER BY d.id DESC LIMIT :limit
    """,
    "profile": """
        SELECT p.active, p.capacity,
               array(SELECT q.framework_slug || ' ' || q.set_code FROM reviewer_qualification q
                     WHERE q.profile_id = p.id ORDER BY q.id) AS qualifications
        FROM reviewer_profile p WHERE p.user_id = :uid
    """,
    "assignments": """
        SELECT a.id, a.status, a.kind, a.due_on, cs.code, c.name
        FROM assignment a JOIN submission s ON s.id = a.submission_id
        JOIN enrollment_set es ON es.id = s.enrollment_set_id
        JOIN competency_set cs ON cs.id = es.set_id
        JOIN enrollment e ON e.id = es.enrollment_id JOIN user_account c ON c.id = e.user_id
        WHERE a.reviewer_id = :uid ORDER BY a.id DESC LIMIT :limit
    """,
    "providers": """
        SELECT p.slug, p.name FROM course_provider p JOIN provider_member m ON m.provider_id = p.id
        WHERE m.user_id = :uid ORDER BY p.name LIMIT :limit
    """,
    "history": """
        SELECT at, actor_id, action, object_type, object_id FROM audit_event
        WHERE actor_id = :uid OR (object_type = 'user' AND object_id = CAST(:uid AS text))
        ORDER BY at DESC, id DESC LIMIT :limit
    """,
}


def baseline_person(user_id: int) -> str:
    """One person's page: a query per section, each bounded as the service bounds it."""
    from portfolio.domain.certification.evaluation import Route
    from portfolio.domain.lifecycle import SetLifecycle
    from portfolio.models import (
        ApplicationStatus,
        AssignmentKind,
        AssignmentStatus,
        CourseStatus,
        DecisionStatus,
        EnrollmentStatus,
        LedgerKind,
    )
    from portfolio.services.reporting.person import SECTION_LIMIT, PersonFile
    from portfolio.web.admin.people import render_person

    def rows(section: str) -> list[Any]:
        return _rows(PERSON_SQL[section], uid=user_id, limit=SECTION_LIMIT)

    (u,) = rows("person")
    person = _ns(
        id=u.id,
        name=u.name,
        email=u.email,
        is_confirmed=u.email_confirmed_at is not None,
        role_names=set(u.roles),
        created_at=_utc(u.created_at),
        last_sign_in_at=_utc(u.last_sign_in_at),
    )
    applications = [
        _ns(
            id=a.id,
            status=ApplicationStatus(a.status),
            submitted_at=_utc(a.submitted_at),
            hours_counted=a.hours_counted,
            program=a.framework_name,
        )
        for a in rows("applications")
    ]
    payments = [_ns(**{**p._asdict(), "kind": LedgerKind(p.kind)}) for p in rows("payments")]
    enrollments: dict[int, Any] = {}
    for e in rows("enrollments"):
        enrollment = enrollments.setdefault(
            e.id,
            _ns(
                status=EnrollmentStatus(e.status),
                enrolled_on=e.enrolled_on,
                window_ends_on=e.window_ends_on,
                program=e.framework_name,
                sets=[],
            ),
        )
        if e.set_row is None:
            continue
        enrollment.sets.append(
            _ns(
                id=e.set_row,
                code=e.code,
                name=e.name,
                route=Route(e.route),
                status=SetLifecycle(e.set_status),
                course_status=CourseStatus(e.course_status) if e.course_status else None,
                submission_id=e.submission_id,
                attempt=e.attempt,
                submitted_at=_utc(e.submitted_at),
            )
        )
    certificates = [
        _ns(**{**c._asdict(), "revoked_at": _utc(c.revoked_at)}) for c in rows("certificates")
    ]
    decisions = [
        _ns(id=d.id, status=DecisionStatus(d.status), decided_at=_utc(d.decided_at))
        for d in rows("decisions")
    ]
    profile = next(
        (
            _ns(
                active=p.active,
                capacity=p.capacity,
                qualifications=[
                    _ns(framework_slug=q.split(" ")[0], set_code=q.split(" ", 1)[1])
                    for q in p.qualifications
                ],
            )
            for p in rows("profile")
        ),
        None,
    )
    assignments = [
        _ns(
            **{
                **a._asdict(),
                "status": AssignmentStatus(a.status),
                "kind": AssignmentKind(a.kind),
            }
        )
        for a in rows("assignments")
    ]
    providers = rows("providers")
    history = [_ns(**{**h._asdict(), "at": _utc(h.at)}) for h in rows("history")]
    file = PersonFile(
        person,
        applications,  # type: ignore[arg-type]
        payments,  # type: ignore[arg-type]
        list(enrollments.values()),
        certificates,  # type: ignore[arg-type]
        decisions,  # type: ignore[arg-type]
        profile,
        assignments,
        providers,  # type: ignore[arg-type]
        history,  # type: ignore[arg-type]
    )
    return render_person(file)


CSV_SQL = """
SELECT u.name, u.email, f.name AS program, a.submitted_at, a.eligibility, a.hours_counted,
       a.status
FROM application a JOIN user_account u ON u.id = a.user_id
JOIN framework f ON f.id = a.framework_id
WHERE a.status = 'approved'
ORDER BY a.submitted_at, a.id
"""


def baseline_csv_rows() -> Iterator[Any]:
    """The approved applications in the export's order, through a server-side cursor, shaped
    as the export's columns read them."""
    from sqlalchemy import text

    from portfolio.extensions import db
    from portfolio.models import ApplicationStatus, EligibilityStatus
    from portfolio.services.listing import EXPORT_BATCH

    connection = db.session.connection().execution_options(
        stream_results=True, yield_per=EXPORT_BATCH
    )
    for row in connection.execute(text(CSV_SQL)):
        yield _ns(
            candidate=row.name,
            email=row.email,
            program=row.program,
            submitted_at=_utc(row.submitted_at),
            eligibility=None if row.eligibility is None else EligibilityStatus(row.eligibility),
            hours_counted=row.hours_counted,
            status=ApplicationStatus(row.status),
        )


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


def same_output(client: Any, url: str, baseline_url: str) -> bytes:
    """Both answer 200 with the same body (CSRF tokens aside); the page's body."""
    bodies = []
    for address in (url, baseline_url):
        response = client.get(address)
        if response.status_code != 200:
            raise BenchError(
                f"{address} answered {response.status_code}: "
                f"{response.get_data(as_text=True)[:3000]}"
            )
        bodies.append(response.get_data())
    page, base = (comparable(body.decode()) for body in bodies)
    if page != base:
        raise BenchError(
            f"{baseline_url} does not render what {url} does:\n{first_difference(page, base)}"
        )
    return bodies[0]


def alternated(client: Any, urls: dict[str, str], requests: int) -> dict[str, float]:
    """Median milliseconds of each address, requested in turn (A B A B) through one client."""
    times: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(requests):
        for name, address in urls.items():
            t = time.perf_counter()
            response = client.get(address)
            response.get_data()
            times[name].append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, address
    return {name: round(statistics.median(ms), 2) for name, ms in times.items()}


def page_figures(
    app: Any, client: Any, url: str, baseline_url: str, requests: int
) -> dict[str, Any]:
    same_output(client, url, baseline_url)
    with counting(app) as statements:
        assert client.get(url).status_code == 200, url
    with counting(app) as baseline_statements:
        assert client.get(baseline_url).status_code == 200, baseline_url
    times = alternated(client, {"page": url, "baseline": baseline_url}, requests)
    return {
        "queries": len(statements),
        "baseline_queries": len(baseline_statements),
        "ms": times["page"],
        "baseline_ms": times["baseline"],
        "ratio": round(times["page"] / times["baseline"], 2),
    }


def measure_pages(app: Any, world: dict[str, Any], requests: int) -> dict[str, Any]:
    person = world["person_id"]
    baselines: dict[str, Callable[[], str]] = {
        "cohorts": baseline_cohorts,
        "at_risk": baseline_at_risk,
        "person": lambda: baseline_person(person),
    }
    app.extensions["bench_baselines"] = baselines
    urls = {
        "cohorts": "/admin/cohorts",
        "at_risk": "/admin/at-risk",
        "person": f"/admin/people/{person}",
    }
    client = app.test_client()
    login(client, world["admin_id"])
    return {
        page: page_figures(app, client, url, f"/bench/page/{page}", requests)
        for page, url in urls.items()
    }


def resident() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process, in bytes."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields["VmRSS"], fields["VmHWM"]


def stream(client: Any, url: str) -> dict[str, Any]:
    """Download url chunk by chunk as a server would send it, keeping nothing: when the first
    chunk came, how many rows it held, and how much memory the serving process took on top
    (the Python peak by tracemalloc, the resident peak by VmHWM after resetting it)."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current VmRSS
        rss_before = resident()[0]
    except OSError:
        rss_before = None
    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    assert response.status_code == 200, url
    first_ms, first_rows, chunks, size, lines = None, 0, 0, 0, 0
    try:
        for chunk in response.response:
            data = chunk if isinstance(chunk, bytes) else chunk.encode()
            if first_ms is None:
                first_ms = (time.perf_counter() - started) * 1000
                first_rows = data.count(b"\n") - 1  # less the header
            chunks += 1
            size += len(data)
            lines += data.count(b"\n")
    finally:
        response.close()
    total_ms = (time.perf_counter() - started) * 1000
    traced_peak = tracemalloc.get_traced_memory()[1] - traced_before
    tracemalloc.stop()
    rss_growth = None if rss_before is None else resident()[1] - rss_before
    return {
        "rows": lines - 1,
        "kib": round(size / 1024, 1),
        "chunks": chunks,
        "first_chunk_ms": round(first_ms or 0.0, 2),
        "first_chunk_rows": first_rows,
        "all_ms": round(total_ms, 2),
        "python_peak_kib": round(traced_peak / 1024, 1),
        "rss_peak_growth_kib": None if rss_growth is None else round(rss_growth / 1024, 1),
    }


def measure_csv(app: Any, world: dict[str, Any], requests: int) -> dict[str, Any]:
    client = app.test_client()
    login(client, world["admin_id"])
    # Memory first, before any whole body has been held (which would leave the process's
    # resident set grown for the streams to reuse); one stream first, to warm up.
    stream(client, CSV_URL)
    streamed = stream(client, CSV_URL)
    baseline_streamed = stream(client, "/bench/csv")
    body = same_output(client, CSV_URL, "/bench/csv")
    with counting(app) as statements:
        assert client.get(CSV_URL).get_data() == body
    times = alternated(client, {"page": CSV_URL, "baseline": "/bench/csv"}, requests)
    return {
        "queries": len(statements),
        "rows": body.count(b"\n") - 1,
        "ms": times["page"],
        "baseline_ms": times["baseline"],
        "ratio": round(times["page"] / times["baseline"], 2),
        "stream": streamed,
        "baseline_stream": baseline_streamed,
    }


def csv_report(small: dict[str, Any], large: dict[str, Any], n: int) -> dict[str, Any]:
    grew = large["stream"]["python_peak_kib"] - small["stream"]["python_peak_kib"]
    rss_grew = (
        None
        if large["stream"]["rss_peak_growth_kib"] is None
        else large["stream"]["rss_peak_growth_kib"] - small["stream"]["rss_peak_growth_kib"]
    )
    # An export smaller than one chunk (the smoke run's) cannot show whether it streams.
    streamed = (
        None
        if large["stream"]["kib"] * 1024 <= 2 * CHUNK
        else large["stream"]["chunks"] > 1
        and large["stream"]["first_chunk_rows"] < large["rows"] / 2
        and large["stream"]["first_chunk_ms"] < large["stream"]["all_ms"] / 2
    )
    flat = grew * 1024 <= FLAT_MARGIN and (rss_grew is None or rss_grew * 1024 <= FLAT_MARGIN)
    return {
        "rows_at_100": small["rows"],
        f"rows_at_{n}": large["rows"],
        "queries_at_100": small["queries"],
        f"queries_at_{n}": large["queries"],
        "same_queries": small["queries"] == large["queries"],
        "ms": large["ms"],
        "baseline_ms": large["baseline_ms"],
        "ratio": large["ratio"],
        "stream_at_100": small["stream"],
        f"stream_at_{n}": large["stream"],
        f"baseline_stream_at_{n}": large["baseline_stream"],
        "python_peak_growth_kib": round(grew, 1),
        "rss_peak_growth_kib": None if rss_grew is None else round(rss_grew, 1),
        "streamed": streamed,
        "flat_memory": flat,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a run of seconds that only proves the bench works (make test): "
        "150 candidates, 2 requests a page",
    )
    args = parser.parse_args()
    if args.smoke:
        args.candidates, args.requests = 150, 2
    if args.candidates <= 100:
        parser.error("--candidates must be over 100 (the query counts are compared at 100)")
    logging.getLogger("portfolio.services.mail").setLevel(logging.ERROR)
    from sqlalchemy import text

    from portfolio.extensions import db
    from portfolio.models import Base

    n = args.candidates
    report: dict[str, Any] = {"candidates": n, "smoke": args.smoke}
    started = time.perf_counter()
    with fresh_database() as url:
        app = bench_app(url)
        ids = Ids()
        with app.app_context():
            Base.metadata.create_all(db.engine)
            world = seed_program(db.session)
            seed_candidates(db.session, ids, world, 0, 100)
            fix_sequences(db.session)
            db.session.commit()
            # The first candidate: certified, so every section of the page has rows.
            world["person_id"] = db.session.scalar(
                text("SELECT id FROM user_account WHERE email = 'c0@bench.example'")
            )
        small = measure_pages(app, world, args.requests)
        small_csv = measure_csv(app, world, args.requests)
        t = time.perf_counter()
        with app.app_context():
            step = 2000
            for first in range(100, n, step):
                seed_candidates(db.session, ids, world, first, min(step, n - first))
                db.session.commit()
            fix_sequences(db.session)
            db.session.commit()
            report["seed_seconds"] = round(time.perf_counter() - t, 1)
            report["rows"] = {
                table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in (
                    "user_account",
                    "application",
                    "enrollment",
                    "enrollment_set",
                    "portfolio_entry",
                    "submission",
                    "assignment",
                    "certificate",
                    "audit_event",
                )
            }
            report["at_risk"] = at_risk_total()
        large = measure_pages(app, world, args.requests)
        large_csv = measure_csv(app, world, args.requests)
        with app.app_context():
            db.engine.dispose()
    report["pages"] = {
        page: {
            "queries_at_100": small[page]["queries"],
            f"queries_at_{n}": large[page]["queries"],
            "same_queries": small[page]["queries"] == large[page]["queries"],
            "baseline_queries": large[page]["baseline_queries"],
            "ms": large[page]["ms"],
            "baseline_ms": large[page]["baseline_ms"],
            "ratio": large[page]["ratio"],
            "within_targets": large[page]["ratio"] <= 1.5 and large[page]["ms"] < 100,
        }
        for page in PAGES
    }
    report["csv"] = csv_report(small_csv, large_csv, n)
    report["csv"]["within_targets"] = report["csv"]["ratio"] <= 1.5
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    print(f"Rows at {n} candidates: {report['rows']} (seeded in {report['seed_seconds']} s)")
    for page, f in report["pages"].items():
        print(
            f"{page:8} queries {f['queries_at_100']} at 100, {f[f'queries_at_{n}']} at {n}; "
            f"{f['ms']} ms (baseline {f['baseline_ms']} ms, ratio {f['ratio']})"
        )
    c = report["csv"]
    print(
        f"csv      queries {c['queries_at_100']} at 100, {c[f'queries_at_{n}']} at {n}; "
        f"{c[f'rows_at_{n}']} rows in {c['ms']} ms (baseline {c['baseline_ms']} ms, ratio "
        f"{c['ratio']}); first chunk after {c[f'stream_at_{n}']['first_chunk_ms']} ms; memory "
        f"growth over the 100-row export: {c['python_peak_growth_kib']} KiB Python, "
        f"{c['rss_peak_growth_kib']} KiB resident"
    )
    problems = [
        f"{page}: {f['queries_at_100']} queries at 100 but {f[f'queries_at_{n}']} at {n}"
        for page, f in [*report["pages"].items(), ("csv", c)]
        if not f["same_queries"]
    ]
    if c["streamed"] is False:
        problems.append("csv: the export did not stream")
    if not c["flat_memory"]:
        problems.append("csv: memory grew with the number of rows")
    report["problems"] = problems
    for problem in problems:
        print(f"FAILED {problem}", file=sys.stderr)
    print(json.dumps(report, default=str))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
