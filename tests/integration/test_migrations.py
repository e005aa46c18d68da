"""Migrations build exactly the schema the models describe, on this run's database engine."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from portfolio.commands.db import alembic_config
from portfolio.models import Base
from portfolio.web import clock


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

    from portfolio.models import Assignment, AssignmentStatus, ReviewRating
    from portfolio.models.base import utcnow
    from portfolio.services.reviewing import assignments
    from portfolio.services.reviewing import tallies as review_tallies
    from tests.integration.test_review_quality import _tallies
    from tests.review_fixtures import make_world

    cfg = alembic_config(empty_database_url)
    # The reviews are made with today's models on today's schema, then the schema goes back to
    # the revision before the tallies (the rows stay) and comes forward again.
    command.upgrade(cfg, "head")
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
                ReviewRating(assignment=assignment, competency_id=c.id, level=level)
                for c in world.competencies
            )
        session.commit()
    command.downgrade(cfg, "32ee3b02f2fb")
    command.upgrade(cfg, "head")
    with app.app_context(), Session(engine) as session:
        migrated = _tallies(session)
        review_tallies.rebuild(session)
        assert _tallies(session) == migrated
        ((_set, _month, counters),) = migrated["set_tally"]
        assert counters["reviews"] == 2 and counters["pair_met_partially_met"] == 3
        session.rollback()
    engine.dispose()


def test_the_portfolio_migration_makes_portfolios_for_routes_chosen_before(app, empty_database_url):
    """Sets put on the portfolio route before routes made portfolios get their portfolio and
    one entry per competency, so the pages that only read find them; others get none."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portfolio.models import Competency, Portfolio, PortfolioEntry, Route
    from tests.portfolio_fixtures import enroll, make_framework

    cfg = alembic_config(empty_database_url)
    # The rows are made with today's models on today's schema, which then goes back to the
    # revision before the portfolio migration (the rows stay) and comes forward again.
    command.upgrade(cfg, "head")
    engine = create_engine(empty_database_url)
    with app.app_context(), Session(engine) as session:
        framework = make_framework(session)
        chose = enroll(session, framework, "chose@example.org", route=Route.UNDECIDED)
        undecided = enroll(session, framework, "undecided@example.org", route=Route.UNDECIDED)
        # What the old route choice left: the route set, no portfolio (made on first view).
        chose.sets[0].route = Route.PORTFOLIO
        session.commit()
        chose_id, undecided_id = chose.enrollment.id, undecided.enrollment.id
        assert session.scalars(select(Portfolio)).all() == []
    command.downgrade(cfg, "ec3fdb8ca81c")  # the revision before the portfolio migration
    command.upgrade(cfg, "head")
    with app.app_context(), Session(engine) as session:
        portfolios = session.scalars(select(Portfolio)).all()
        assert [p.enrollment_id for p in portfolios] == [chose_id]
        assert undecided_id != chose_id
        codes = session.scalars(
            select(Competency.code)
            .join(PortfolioEntry, PortfolioEntry.competency_id == Competency.id)
            .where(PortfolioEntry.portfolio_id == portfolios[0].id)
        ).all()
        assert sorted(codes) == ["S1-1", "S1-2"]
        assert portfolios[0].version == 1 and portfolios[0].learning_statement == ""
    engine.dispose()


def test_the_progress_migration_counts_the_sets_and_submissions_already_there(
    app, empty_database_url
):
    """Upgrading a database with enrollments fills their progress tallies, and from then on
    the migration's triggers keep them."""
    from sqlalchemy.orm import Session

    from portfolio.domain.lifecycle import SetLifecycle
    from portfolio.models import EnrollmentSet
    from portfolio.services.reporting import progress
    from tests.integration.test_enrollment_progress import tally
    from tests.review_fixtures import make_world

    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "head")
    engine = create_engine(empty_database_url)
    with app.app_context(), Session(engine) as session:
        world = make_world(session)
        world.enrollment_set.status = SetLifecycle.MET
        session.commit()
        enrollment_id, set_id = world.enrollment.id, world.enrollment_set.id
    command.downgrade(cfg, "b3e8f1a2c6d4")  # before the tallies: the rows stay
    command.upgrade(cfg, "head")
    with app.app_context(), Session(engine) as session:
        assert tally(session, enrollment_id) == (1, 0, 1, 1)
        session.get(EnrollmentSet, set_id).status = SetLifecycle.RESUBMITTED
        session.flush()
        assert tally(session, enrollment_id) == (0, 1, 0, 1)
        assert progress.drifted(session) == []
        session.rollback()
    engine.dispose()
