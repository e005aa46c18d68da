"""Migrations build exactly the schema the models describe, on this run's database engine."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from portfolio.commands.db import alembic_config
from portfolio.models import Base
from portfolio.web import clock


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    server = database_url.rsplit("/", 1)[0]
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{server}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_the_models(empty_database_url):
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = create_engine(empty_database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrations_downgrade_to_nothing_and_up_again(empty_database_url):
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
    engine = create_engine(empty_database_url)
    with engine.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
    engine.dispose()
    assert set(Base.metadata.tables) <= names


def test_the_tally_migration_counts_the_reviews_already_submitted(app, empty_database_url):
    """Upgrading a database with submitted reviews fills the quality page's tallies."""

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portfolio.models import Assignment, AssignmentStatus, Rating
    from portfolio.models.base import utcnow
    from portfolio.services.reviewing import assignments
    from portfolio.services.reviewing import tallies as review_tallies
    from tests.integration.test_review_quality import _tallies
    from tests.review_fixtures import make_world

    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "32ee3b02f2fb")  # the revision before the tallies
    engine = create_engine(empty_database_url)
    with app.app_context(), Session(engine) as session:
        world = make_world(session, reviewers=2)
        assignments.assign_for_submission(session, world.submission, clock.today())
        for assignment, level in zip(
            session.scalars(select(Assignment).order_by(Assignment.id)),
            ("met", "partially_met"),
            strict=True,
        ):
            assignment.status, assignment.submitted_at = AssignmentStatus.SUBMITTED, utcnow()
            session.add_all(
                Rating(assignment=assignment, competency_id=c.id, level=level)
                for c in world.competencies
            )
        session.commit()
    command.upgrade(cfg, "head")
    with app.app_context(), Session(engine) as session:
        migrated = _tallies(session)
        review_tallies.rebuild(session)
        assert _tallies(session) == migrated
        ((_set, _month, counters),) = migrated["set_tally"]
        assert counters["reviews"] == 2 and counters["pair_met_partially_met"] == 3
        session.rollback()
    engine.dispose()
