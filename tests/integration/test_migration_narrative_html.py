"""The migration that adds the stored HTML renders the texts saved before it (SQLite and
PostgreSQL), and downgrades cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine, text

from portfolio.commands.db import alembic_config
from portfolio.domain.portfolios.narrative import RENDERER_VERSION

BEFORE = "ec3fdb8ca81c"  # the revision before the HTML columns


def _without_foreign_keys(conn) -> None:
    # Bare rows, without the candidate and enrollment they would belong to.
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET session_replication_role = replica"))


def test_the_migration_renders_the_texts_saved_before_it(empty_database_url):
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, BEFORE)
    engine = create_engine(empty_database_url)
    with engine.begin() as conn:
        _without_foreign_keys(conn)
        conn.execute(
            text(
                "INSERT INTO portfolio (id, enrollment_id, learning_statement, updated_at, version)"
                " VALUES (1, 1, 'I *learned* <b>this</b>.', CURRENT_TIMESTAMP, 3)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO portfolio_entry"
                " (id, portfolio_id, competency_id, narrative, updated_at, version)"
                " VALUES (1, 1, 1, '# Story time', CURRENT_TIMESTAMP, 1),"
                " (2, 1, 2, '', CURRENT_TIMESTAMP, 1)"
            )
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        statement = conn.execute(
            text(
                "SELECT learning_statement_html, learning_statement_rendered_with, version"
                " FROM portfolio"
            )
        ).one()
        entries = conn.execute(
            text("SELECT narrative_html, narrative_rendered_with FROM portfolio_entry ORDER BY id")
        ).all()
    assert tuple(statement) == (
        "<p>I <em>learned</em> &lt;b&gt;this&lt;/b&gt;.</p>",
        RENDERER_VERSION,
        3,
    )
    assert [tuple(row) for row in entries] == [("<h2>Story time</h2>", RENDERER_VERSION), ("", "")]
    command.downgrade(cfg, BEFORE)
    with engine.connect() as conn:
        columns = {c["name"] for c in conn.dialect.get_columns(conn, "portfolio_entry")}
    engine.dispose()
    assert "narrative_html" not in columns and "narrative" in columns


def test_submissions_made_before_the_html_column_are_rendered_by_the_command(empty_database_url):
    """The migration only adds the columns (a render inside it would hold the table's lock);
    `render_stale` (flask portfolios render-markdown) then stores the HTML, and the snapshot
    and its fingerprint stay as they were."""
    from sqlalchemy.orm import Session

    from portfolio.domain.portfolios.snapshots import snapshot_sha256
    from portfolio.models.base import JSONDocument
    from portfolio.services.portfolios.rendering import render_stale

    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "c3e8f1a2b4d6")  # the revision before the submissions' HTML
    document = {
        "format": 1,
        "set": {"code": "FOUND", "name": "Foundations"},
        "attempt": 1,
        "learning_statement": "I *learned* <b>this</b>.",
        "competencies": [
            {"code": "F1", "title": "Purpose", "narrative": "# Story time", "artifacts": []},
            {"code": "F2", "title": "Ethics", "narrative": "", "artifacts": []},
        ],
    }
    submission = sa.table(
        "submission",
        *(sa.column(name) for name in ("id", "enrollment_set_id", "attempt", "submitted_by_id")),
        sa.column("submitted_at"),
        sa.column("snapshot", JSONDocument()),
        sa.column("snapshot_sha256"),
        sa.column("status"),
    )
    engine = create_engine(empty_database_url)
    with engine.begin() as conn:
        _without_foreign_keys(conn)
        conn.execute(
            submission.insert().values(
                id=1,
                enrollment_set_id=1,
                attempt=1,
                submitted_by_id=1,
                submitted_at=sa.func.current_timestamp(),
                snapshot=document,
                snapshot_sha256=snapshot_sha256(document),
                status="submitted",
            )
        )
    command.upgrade(cfg, "head")
    query = sa.select(
        sa.column("snapshot_html", JSONDocument()),
        sa.column("snapshot_html_rendered_with"),
        sa.column("snapshot_sha256"),
    ).select_from(sa.table("submission"))
    with engine.connect() as conn:
        assert conn.execute(query).one().snapshot_html_rendered_with == ""  # stale: shown rendered
    with Session(engine) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET session_replication_role = replica"))
        assert render_stale(session) == 1
        session.commit()
    with engine.connect() as conn:
        row = conn.execute(query).one()
    assert row.snapshot_html == {
        "for": snapshot_sha256(document),
        "learning_statement": "<p>I <em>learned</em> &lt;b&gt;this&lt;/b&gt;.</p>",
        "narratives": {"F1": "<h2>Story time</h2>", "F2": ""},
    }
    assert row.snapshot_html_rendered_with == RENDERER_VERSION
    assert row.snapshot_sha256 == snapshot_sha256(document)  # the evidence is untouched
    command.downgrade(cfg, "c3e8f1a2b4d6")
    with engine.connect() as conn:
        columns = {c["name"] for c in conn.dialect.get_columns(conn, "submission")}
    engine.dispose()
    assert "snapshot_html" not in columns and "snapshot" in columns
