"""Certification decisions at scale, and signing credentials.

    python bench/evaluate.py [--candidates 10000] [--sign 1000]
    python bench/evaluate.py --smoke   # seconds: proves the bench works (make test runs it)

One run, on a fresh PostgreSQL database made here and dropped at the end:
1. Seeds one program version (3 required sets, 4 electives, 2 electives required) and N enrolled
   candidates with 5 or 6 sets each, every set met, in progress or waiting, by course or by
   portfolio (bulk executemany inserts). The mix: 1 in 10 has met everything (certified now),
   1 in 20 saw the window end with sets missing (not certified), 1 in 20 saw it end with
   evidence still being checked (open), the rest are on their way (open).
2. Baseline: the evidence rows the evaluation reads (every active enrollment's sets, with their
   competency sets), fetched with hand-written SQL on the same engine; best of 3.
3. `flask certification evaluate --all` (in-process, through Flask's CLI runner, commit
   included), once: it decides every candidate, issues the certificates with their signed
   Open Badges credentials and queues the emails. The time spent signing is measured inside
   the run (a timer around the signing function) and reported apart. Then the baseline and the
   command again: the second run must record nothing (the same row counts before and after).
   The statements each run sends are counted too (they must not grow with N: compare --smoke).
4. Signing: `--sign` credentials built as the batch builds them, signed by the app's signing
   code, next to the same signatures with the canonical forms made by pyld's plain normalize
   (no context kept between documents, as the code was before): the signatures must be
   identical (Ed25519 is deterministic, so the same bytes were signed) and the ratio is the
   app's time over plain pyld's, on the clock and in CPU time (the machine may be shared).
The email delivery pass the command's commit asks for is not run (in production it runs after
the commit, in a worker or a background thread): the bench times the batch. The last line
printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
REQUIRED, ELECTIVES, ELECTIVES_REQUIRED = 3, 4, 2
SEED = 20261202

# Every active enrollment's sets as the evaluation reads them (batch_evaluation._evidence).
EVIDENCE_SQL = """
SELECT e.id, e.framework_id, e.window_ends_on, cs.code, cs.name, cs.kind,
       es.route, es.status, es.course_status
FROM enrollment e
LEFT JOIN enrollment_set es ON es.enrollment_id = e.id AND es.dropped_on IS NULL
LEFT JOIN competency_set cs ON cs.id = es.set_id
WHERE e.status = 'active'
ORDER BY e.id, es.id
"""


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"bench_evaluate_{uuid.uuid4().hex[:8]}"
    plain = SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_app(url: str) -> Any:
    from portfolio import create_app
    from portfolio.services.outbox import deliverer

    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": url,
            "MAIL_SUPPRESS_SEND": True,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    passes = app.extensions["bench_delivery_passes"] = []
    deliverer(app).after_commit = lambda: passes.append(1)  # see the docstring
    return app


# ---------------------------------------------------------------- seeding


def seed(session: Any, candidates: int, today: date) -> dict[str, int]:
    """The program and `candidates` enrolled candidates; how many of each kind."""
    from sqlalchemy import insert

    from portfolio.domain.certification.evaluation import Route
    from portfolio.domain.lifecycle import SetLifecycle
    from portfolio.models import (
        Application,
        ApplicationStatus,
        CompetencySet,
        CourseStatus,
        Enrollment,
        EnrollmentSet,
        Framework,
        FrameworkStatus,
        SetKind,
        User,
    )
    from tests.framework_documents import rules_document

    required = [f"R{i + 1}" for i in range(REQUIRED)]
    framework = Framework(
        slug="bench",
        version=1,
        name="Bench Program",
        description="A program for the evaluation bench.",
        status=FrameworkStatus.PUBLISHED,
        rules=rules_document(required, ELECTIVES_REQUIRED),
    )
    framework.sets = [
        CompetencySet(code=code, name=f"Set {code}", kind=SetKind.REQUIRED, position=i)
        for i, code in enumerate(required)
    ] + [
        CompetencySet(
            code=f"E{i + 1}", name=f"Elective {i + 1}", kind=SetKind.ELECTIVE, position=9 + i
        )
        for i in range(ELECTIVES)
    ]
    session.add(framework)
    session.flush()
    required_ids = [s.id for s in framework.sets[:REQUIRED]]
    elective_ids = [s.id for s in framework.sets[REQUIRED:]]

    rng = random.Random(SEED)
    met = [
        {"route": Route.PORTFOLIO, "status": SetLifecycle.MET},
        {"route": Route.COURSE, "course_status": CourseStatus.VERIFIED},
    ]
    on_the_way = [
        {"route": Route.PORTFOLIO, "status": SetLifecycle.DRAFT},
        {"route": Route.PORTFOLIO, "status": SetLifecycle.NOT_YET_MET},
        {"route": Route.COURSE, "course_status": CourseStatus.IN_PROGRESS},
        {"route": Route.UNDECIDED},
    ]
    checking = [
        {"route": Route.PORTFOLIO, "status": SetLifecycle.IN_REVIEW},
        {"route": Route.COURSE, "course_status": CourseStatus.COMPLETED},
    ]
    kinds = {"certified": 0, "not_certified": 0, "ended_checking": 0, "in_progress": 0}
    users, applications, enrollments, sets = [], [], [], []
    for n in range(candidates):
        user_id = n + 1
        kind = (
            "certified"
            if n % 10 == 0
            else "not_certified"
            if n % 20 == 1
            else "ended_checking"
            if n % 20 == 3
            else "in_progress"
        )
        kinds[kind] += 1
        ended = kind in ("not_certified", "ended_checking")
        users.append(
            {
                "id": user_id,
                "email": f"candidate{n}@bench.example",
                "name": f"Candidate {n} Ñúñez-李",
                "password_hash": "!",  # no password matches it
            }
        )
        applications.append(
            {
                "id": user_id,
                "user_id": user_id,
                "framework_id": framework.id,
                "status": ApplicationStatus.APPROVED,
            }
        )
        enrollments.append(
            {
                "id": user_id,
                "user_id": user_id,
                "framework_id": framework.id,
                "application_id": user_id,
                "enrolled_on": today - timedelta(days=400),
                "window_ends_on": today + timedelta(days=-1 if ended else 700),
            }
        )
        chosen = required_ids + rng.sample(elective_ids, rng.choice((2, 3)))
        for position, set_id in enumerate(chosen):
            if kind == "certified":
                state = rng.choice(met)
            elif kind == "ended_checking" and position == 0:
                state = rng.choice(checking)
            elif position == 1:  # every open or failed candidate misses R2
                state = rng.choice(on_the_way)
            else:
                state = rng.choice(met + on_the_way)
            sets.append({"enrollment_id": user_id, "set_id": set_id, **state})
    # One column list per statement (executemany): the missing keys take their defaults.
    sets = [
        {"status": SetLifecycle.NOT_STARTED, "course_status": None, "route": Route.UNDECIDED, **s}
        for s in sets
    ]
    for model, rows in (
        (User, users),
        (Application, applications),
        (Enrollment, enrollments),
        (EnrollmentSet, sets),
    ):
        for first in range(0, len(rows), 5000):
            session.execute(insert(model), rows[first : first + 5000])
    kinds["set_rows"] = len(sets)
    return kinds


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


# ---------------------------------------------------------------- measuring


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    from sqlalchemy import event

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (
            not statement.lstrip()
            .upper()
            .startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK"))
        ):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def fetch_evidence(app: Any) -> tuple[float, int, int]:
    """The baseline, best of 3: (seconds, rows, enrollments)."""
    from sqlalchemy import text

    from portfolio.extensions import db

    best, rows = float("inf"), []
    with app.app_context():
        for _ in range(3):
            started = time.perf_counter()
            rows = db.session.execute(text(EVIDENCE_SQL)).all()
            best = min(best, time.perf_counter() - started)
            db.session.rollback()
    return best, len(rows), len({row[0] for row in rows})


def table_counts(app: Any) -> dict[str, int]:
    from sqlalchemy import text

    from portfolio.extensions import db

    tables = (
        "certification_decision",
        "certificate",
        "issued_credential",
        "audit_event",
        "outbox_message",
        "notification",
    )
    with app.app_context():
        return {
            t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables
        }


class SigningTimer:
    """Wraps open_badges.sign (the function the batch signs with) to add up its time, on the
    clock and in CPU (the machine is shared: the CPU time says what signing costs)."""

    def __init__(self) -> None:
        from portfolio.services.certification import open_badges

        self.module, self.original = open_badges, open_badges.sign
        self.seconds, self.cpu_seconds, self.calls = 0.0, 0.0, 0

    def __enter__(self) -> SigningTimer:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.cpu_seconds += time.process_time() - cpu
                self.calls += 1

        self.module.sign = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *_exc: object) -> None:
        self.module.sign = self.original  # type: ignore[assignment]


def run_batch(app: Any, today: date) -> dict[str, Any]:
    from portfolio.extensions import db

    with app.app_context():
        engine = db.engine
    runner = app.test_cli_runner()
    with counting(engine) as statements, SigningTimer() as signing:
        started = time.perf_counter()
        result = runner.invoke(args=["certification", "evaluate", "--all", "--today", str(today)])
        seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"the batch failed: {result.output}\n{result.exception!r}")
    return {
        "seconds": round(seconds, 3),
        "signing_seconds": round(signing.seconds, 3),
        "signing_cpu_seconds": round(signing.cpu_seconds, 3),
        "credentials_signed": signing.calls,
        "queries": len(statements),
        "output": result.output.strip(),
    }


def measure_signing(count: int) -> dict[str, Any]:
    """`count` credentials signed by the app's code, then by plain pyld; same signatures?"""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from pyld import jsonld

    from portfolio.domain.certification.credentials import (
        CredentialFacts,
        SetResult,
        open_badge_credential,
    )
    from portfolio.domain.certification.status_list import status_entry
    from portfolio.services.certification import signing
    from portfolio.services.certification.contexts import document_loader

    base = "https://certify.example.org"
    key = signing.SigningKey(
        Ed25519PrivateKey.from_private_bytes(bytes(range(32))), f"{base}/issuer#key-1"
    )
    created = "2026-12-02T10:00:00Z"
    documents = [
        open_badge_credential(
            CredentialFacts(
                credential_id=f"{base}/credentials/{uuid.UUID(int=n + 1, version=4)}",
                issuer_id=f"{base}/issuer",
                issuer_name="Bench certification office",
                issuer_url=f"{base}/",
                achievement_id=f"{base}/programs/bench/1",
                program_name="Bench Program",
                program_description="A program for the evaluation bench.",
                criteria="Complete 3 required sets and 2 of 4 electives, by portfolio or course.",
                holder_name=f"Candidate {n} Ñúñez-李",
                holder_email=f"candidate{n}@bench.example",
                salt=f"{n:032x}",
                sets=[
                    SetResult(f"R{i}", f"Set R{i}", "Met by portfolio review.") for i in (1, 2, 3)
                ]
                + [SetResult("E1", "Elective 1", "Met by a verified approved course.")]
                * (n % 2 + 1),
                issued_on=date(2026, 12, 2),
                expires_on=date(2031, 12, 1),
                certificate_number=f"BENCH-{n:05d}-AAAAA-BBBBB",
                status=status_entry(f"{base}/status/1", n),
            )
        )
        for n in range(count)
    ]

    def plain(document: dict[str, Any]) -> str:
        options = {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
            "safe": True,
        }
        return str(jsonld.normalize(document, options))

    def timed(canonical: Callable[[dict[str, Any]], str]) -> tuple[float, float, list[str]]:
        saved = signing.canonical
        signing.canonical = canonical  # type: ignore[assignment]
        signing._canonical_text.cache_clear()
        try:
            started, cpu = time.perf_counter(), time.process_time()
            proofs = [signing.sign(d, key, created)["proof"]["proofValue"] for d in documents]
            return time.perf_counter() - started, time.process_time() - cpu, proofs
        finally:
            signing.canonical = saved  # type: ignore[assignment]
            signing._canonical_text.cache_clear()

    for canonical in (signing.canonical, plain):  # both start with their contexts loaded
        saved, signing.canonical = signing.canonical, canonical  # type: ignore[assignment]
        signing.sign(documents[0], key, created)
        signing.canonical = saved  # type: ignore[assignment]
    app_seconds, app_cpu, app_proofs = timed(signing.canonical)
    plain_seconds, plain_cpu, plain_proofs = timed(plain)
    if app_proofs != plain_proofs:
        raise RuntimeError("the app's signing code signed other bytes than plain pyld")
    return {
        "credentials": count,
        "seconds": round(app_seconds, 3),
        "ms_each": round(app_seconds / count * 1000, 2),
        "plain_pyld_seconds": round(plain_seconds, 3),
        "same_signatures": True,
        "ratio": round(app_seconds / plain_seconds, 3),
        "seconds_per_1000": round(app_seconds / count * 1000, 2),
        "cpu_seconds": round(app_cpu, 3),
        "plain_pyld_cpu_seconds": round(plain_cpu, 3),
        "cpu_ratio": round(app_cpu / plain_cpu, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--sign", type=int, default=1000, help="credentials signed in part 4")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a run of seconds that only proves the bench works (make test): "
        "200 candidates, 20 credentials signed",
    )
    args = parser.parse_args()
    if args.smoke:
        args.candidates, args.sign = 200, 20
    if args.candidates < 20:
        parser.error("--candidates must be at least 20 (every kind of candidate is seeded)")
    logging.getLogger("portfolio.services.mail").setLevel(logging.ERROR)
    from portfolio.extensions import db
    from portfolio.models import Base
    from portfolio.web.clock import today as app_today

    today = app_today()
    report: dict[str, Any] = {"candidates": args.candidates, "smoke": args.smoke}
    started = time.perf_counter()
    with fresh_database() as url:
        app = bench_app(url)
        with app.app_context():
            Base.metadata.create_all(db.engine)
            t = time.perf_counter()
            report["seeded"] = seed(db.session, args.candidates, today)
            fix_sequences(db.session)
            db.session.commit()
            report["seed_seconds"] = round(time.perf_counter() - t, 1)

        fetch_seconds, rows, enrollments = fetch_evidence(app)
        first = run_batch(app, today)
        report["first_run"] = {
            **first,
            "baseline_seconds": round(fetch_seconds, 3),
            "baseline_rows": rows,
            "enrollments": enrollments,
            "ratio": round(first["seconds"] / fetch_seconds, 2),
            "ratio_without_signing": round(
                (first["seconds"] - first["signing_seconds"]) / fetch_seconds, 2
            ),
        }
        expected = report["seeded"]
        wanted = (
            f"Evaluated {args.candidates} active enrollments: {expected['certified']} certified, "
            f"{expected['not_certified']} not certified, "
            f"{expected['ended_checking'] + expected['in_progress']} still open."
        )
        if first["output"] != wanted:
            raise RuntimeError(f"the batch said {first['output']!r}, not {wanted!r}")

        before = table_counts(app)
        fetch_again, rows_again, enrollments_again = fetch_evidence(app)
        second = run_batch(app, today)
        after = table_counts(app)
        if before != after or second["credentials_signed"]:
            raise RuntimeError(f"the second run recorded something: {before} -> {after}")
        report["second_run"] = {
            **second,
            "baseline_seconds": round(fetch_again, 3),
            "baseline_rows": rows_again,
            "enrollments": enrollments_again,
            "ratio": round(second["seconds"] / fetch_again, 2),
            "records_nothing_new": True,
        }
        report["rows"] = after
        with app.app_context():
            db.engine.dispose()
    report["signing"] = measure_signing(args.sign)
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    f, s, g = report["first_run"], report["second_run"], report["signing"]
    print(f"Seeded {report['seeded']} in {report['seed_seconds']} s")
    print(
        f"first run: {f['seconds']} s ({f['signing_seconds']} s signing {f['credentials_signed']} "
        f"credentials, {f['signing_cpu_seconds']} s of CPU), {f['queries']} statements; "
        f"fetching the {f['baseline_rows']} evidence rows: {f['baseline_seconds']} s; "
        f"ratio {f['ratio']} "
        f"({f['ratio_without_signing']} without signing). {f['output']}"
    )
    print(
        f"second run: {s['seconds']} s, {s['queries']} statements, nothing new; fetching its "
        f"{s['baseline_rows']} rows: {s['baseline_seconds']} s; ratio {s['ratio']}"
    )
    print(
        f"signing {g['credentials']} credentials: {g['seconds']} s ({g['ms_each']} ms each); "
        f"plain pyld {g['plain_pyld_seconds']} s; ratio {g['ratio']}; in CPU time "
        f"{g['cpu_seconds']} s against {g['plain_pyld_cpu_seconds']} s ({g['cpu_ratio']}); "
        "same signatures"
    )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
