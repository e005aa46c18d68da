"""Roster import: a provider's CSV roster through the roster service, against a baseline that
writes the same completions with no checks at all.

    python bench/roster_import.py [--rows 500]
    python bench/roster_import.py --smoke   # seconds: proves the bench works (make test runs it)

One run on a fresh SQLite file: a program whose candidates also need an elective (so a roster
meets a set without certifying anyone: certification has its own cost), N enrolled candidates,
one provider with one approved course. Timed: the service importing an N-row roster (parse,
look-ups, every check, the completions, the audit event, each candidate's evaluation), then,
after the rows are deleted, the baseline inserting the same N completions straight into the
table. The service's look-ups are per file, not per row, so its queries per row (printed too)
stay flat as N grows; most of them are each candidate's evaluation. The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--smoke", action="store_true", help="a tiny run (make test)")
    args = parser.parse_args()
    rows = 20 if args.smoke else args.rows

    from sqlalchemy import delete, event, insert

    from portfolio import create_app
    from portfolio.extensions import db
    from portfolio.models import (
        Base,
        CompletionSource,
        CompletionStatus,
        CourseCompletion,
        OutboxMessage,
    )
    from portfolio.models.base import utcnow
    from portfolio.services.courses import rosters
    from portfolio.web import clock
    from tests.completion_fixtures import course_world

    with tempfile.TemporaryDirectory(prefix="bench-roster-") as folder:
        work = Path(folder)
        app = create_app(
            {
                "ENV_NAME": "development",
                "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
                "OBJECT_STORE_URL": f"file://{work / 'objects'}",
            }
        )
        with app.app_context():
            Base.metadata.create_all(db.engine)
            session = db.session
            first = course_world(session)
            first.framework.rules = {**first.framework.rules, "electives_required": 1}
            worlds = [first] + [
                course_world(
                    session,
                    email=f"c{n}@example.org",
                    framework=first.framework,
                    provider=first.provider,
                    member=first.member,
                    version=first.version,
                )
                for n in range(1, rows)
            ]
            session.commit()
            day = (clock.today() - timedelta(days=3)).isoformat()
            course = first.version.course_id
            text = "candidate,course,completed_on\n" + "".join(
                f"{w.candidate.email},{course},{day}\n" for w in worlds
            )
            queries = [0]

            def count(*_args: object) -> None:
                queries[0] += 1

            event.listen(db.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            result = rosters.import_roster(
                session,
                first.provider,
                data=text.encode(),
                name="bench.csv",
                actor=first.member,
                today=clock.today(),
                max_rows=rows,
            )
            session.commit()
            service_s = time.perf_counter() - started
            event.remove(db.engine, "before_cursor_execute", count)
            assert result.ok and result.recorded == rows, result.errors[:3]

            session.execute(delete(CourseCompletion))
            session.execute(delete(OutboxMessage))
            session.commit()
            started = time.perf_counter()
            now = utcnow()
            session.execute(
                insert(CourseCompletion),
                [
                    {
                        "enrollment_set_id": w.item.id,
                        "course_version_id": first.version.id,
                        "completed_on": clock.today() - timedelta(days=3),
                        "source": CompletionSource.PROVIDER_REPORT,
                        "status": CompletionStatus.VERIFIED,
                        "reported_by_id": first.member.id,
                        "reported_at": now,
                        "version": 1,
                    }
                    for w in worlds
                ],
            )
            session.commit()
            baseline_s = time.perf_counter() - started
    figures = {
        "smoke": args.smoke,
        "rows": rows,
        "service_s": round(service_s, 4),
        "baseline_s": round(baseline_s, 4),
        "ratio": round(service_s / max(baseline_s, 1e-6), 2),
        "queries_per_row": round(queries[0] / rows, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
