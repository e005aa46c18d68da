"""Each enrollment's progress tally (models.progress) follows its sets and submissions, whatever
writes them; `flask reports check` and `retally` compare and recount it.

(Every test of the suite also checks, as its connection ends, that no tally differs from a
recount: tests/conftest.py.)
"""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.reporting.progress import SET_COUNTERS
from portfolio.models import CourseStatus, EnrollmentProgress, EnrollmentSet, Route
from portfolio.models.progress import counts_sql
from portfolio.services.reporting import progress
from portfolio.web import clock
from tests.review_fixtures import make_candidate, make_world


def tally(session: Session, enrollment_id: int) -> tuple[int, int, int, int]:
    """(sets met, in review, counting towards certification, submissions), as stored now."""
    row = session.execute(
        select(
            EnrollmentProgress.sets_met,
            EnrollmentProgress.sets_in_review,
            EnrollmentProgress.sets_satisfied,
            EnrollmentProgress.submissions,
        ).where(EnrollmentProgress.enrollment_id == enrollment_id)
    ).one()
    return tuple(row)  # type: ignore[return-value]


def test_the_tally_follows_each_set_and_submission_as_it_changes(session):
    world = make_world(session)  # its core set submitted once
    enrollment_id = world.enrollment.id
    assert tally(session, enrollment_id) == (0, 1, 0, 1)

    world.enrollment_set.status = SetLifecycle.MET
    session.flush()
    assert tally(session, enrollment_id) == (1, 0, 1, 1)

    elective = EnrollmentSet(
        enrollment=world.enrollment,
        set_id=world.other.id,
        route=Route.COURSE,
        course_status=CourseStatus.COMPLETED,
    )
    session.add(elective)
    session.flush()
    assert tally(session, enrollment_id) == (1, 0, 1, 1)
    elective.course_status = CourseStatus.VERIFIED
    session.flush()
    assert tally(session, enrollment_id) == (1, 0, 2, 1)

    elective.dropped_on = clock.today()  # swapped for another: no longer counts
    session.flush()
    assert tally(session, enrollment_id) == (1, 0, 1, 1)
    session.delete(elective)
    session.flush()
    assert tally(session, enrollment_id) == (1, 0, 1, 1)
    assert progress.drifted(session) == []


def test_a_write_that_bypasses_the_services_is_counted_too(session):
    world = make_world(session)
    session.execute(
        text(
            "UPDATE enrollment_set SET status = 'not_yet_met', version = version + 1 WHERE id = :id"
        ),
        {"id": world.enrollment_set.id},
    )
    assert tally(session, world.enrollment.id) == (0, 0, 0, 1)


def test_check_finds_a_tally_that_drifted_and_retally_recounts_it(app, session):
    world = make_world(session)
    session.execute(
        text("UPDATE enrollment_progress SET sets_met = 7 WHERE enrollment_id = :id"),
        {"id": world.enrollment.id},
    )
    session.commit()
    runner = app.test_cli_runner()

    checked = runner.invoke(args=["reports", "check"])
    assert checked.exit_code == 1
    assert f"1 tallies differ from their rows (enrollments {world.enrollment.id})" in checked.output

    recounted = runner.invoke(args=["reports", "retally"])
    assert recounted.exit_code == 0, recounted.output
    assert "Recounted 1 enrollment." in recounted.output
    assert tally(session, world.enrollment.id) == (0, 1, 0, 1)
    checked = runner.invoke(args=["reports", "check"])
    assert checked.exit_code == 0
    assert "Every enrollment's tally agrees" in checked.output


def test_two_sets_of_one_enrollment_met_at_the_same_instant_are_both_counted(app, committed_engine):
    with app.app_context(), Session(committed_engine) as setup:
        world = make_world(setup, reviewers=0)
        second = EnrollmentSet(
            enrollment=world.enrollment,
            set_id=world.other.id,
            route=Route.PORTFOLIO,
            status=SetLifecycle.SUBMITTED,
        )
        setup.add(second)
        setup.commit()
        enrollment_id, set_ids = world.enrollment.id, [world.enrollment_set.id, second.id]
        assert tally(setup, enrollment_id) == (0, 2, 0, 1)

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def decide(set_id: int) -> None:
        try:
            with app.app_context(), Session(committed_engine) as session:
                session.get(EnrollmentSet, set_id).status = SetLifecycle.MET
                barrier.wait(timeout=10)
                session.commit()  # both transactions add to the same tally row
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(set_id,)) for set_id in set_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with Session(committed_engine) as check:
        assert tally(check, enrollment_id) == (2, 0, 2, 1)
        assert progress.drifted(check) == []


def test_a_set_or_submission_moved_to_another_enrollment_moves_its_counts(session):
    """No service moves one, but a hand-made UPDATE might: the counts follow."""
    world = make_world(session)
    _user, other = make_candidate(session, world.framework, email="other@example.org")
    session.execute(
        text("UPDATE enrollment_set SET enrollment_id = :other WHERE id = :id"),
        {"other": other.id, "id": world.enrollment_set.id},
    )
    assert tally(session, world.enrollment.id) == (0, 0, 0, 0)
    assert tally(session, other.id) == (0, 1, 0, 1)

    second = EnrollmentSet(
        enrollment=world.enrollment, set_id=world.other.id, route=Route.PORTFOLIO
    )
    session.add(second)
    session.flush()
    session.execute(
        text("UPDATE submission SET enrollment_set_id = :set WHERE id = :id"),
        {"set": second.id, "id": world.submission.id},
    )
    assert tally(session, world.enrollment.id) == (0, 0, 0, 1)
    assert tally(session, other.id) == (0, 1, 0, 0)
    assert progress.drifted(session) == []


def test_retally_after_a_truncate_like_wipe_recounts_every_enrollment(app, session):
    world = make_world(session)
    session.execute(text("DELETE FROM enrollment_progress"))
    assert progress.drifted(session) == [world.enrollment.id]
    assert progress.rebuild(session) == 1
    assert progress.drifted(session) == []


def test_a_truncate_zeroes_what_the_emptied_table_counted(session):
    """PostgreSQL's TRUNCATE fires no row triggers; its statement triggers zero the counts.
    (SQLite has no TRUNCATE: its DELETE without WHERE fires the row triggers.)"""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no TRUNCATE")
    world = make_world(session)
    world.enrollment_set.status = SetLifecycle.MET
    session.flush()
    assert tally(session, world.enrollment.id) == (1, 0, 1, 1)

    session.execute(text("TRUNCATE submission CASCADE"))
    assert tally(session, world.enrollment.id) == (1, 0, 1, 0)
    assert progress.drifted(session) == []

    session.execute(text("TRUNCATE enrollment_set CASCADE"))
    assert tally(session, world.enrollment.id) == (0, 0, 0, 0)
    assert progress.drifted(session) == []


@pytest.mark.parametrize("status", list(SetLifecycle))
def test_the_triggers_sql_counts_a_set_as_the_domain_says(session, status):
    """Each counter's SQL (models.progress.counts_sql) against its definition
    (domain.reporting.progress), for every status, course state and drop, on this database."""
    for course_status, dropped_on in itertools.product(
        (None, CourseStatus.COMPLETED.value, CourseStatus.VERIFIED.value), (None, "2026-01-01")
    ):
        sql = ", ".join(counts_sql(counter, "r") for counter in SET_COUNTERS)
        row = session.execute(
            text(
                f"SELECT {sql} FROM (SELECT :status AS status, :course AS course_status, "
                "CAST(:dropped AS DATE) AS dropped_on) r"
            ),
            {"status": status.value, "course": course_status, "dropped": dropped_on},
        ).one()
        expected = tuple(
            int(
                counter.counts(
                    status,
                    course_verified=course_status == CourseStatus.VERIFIED.value,
                    dropped=dropped_on is not None,
                )
            )
            for counter in SET_COUNTERS
        )
        assert tuple(row) == expected, (status, course_status, dropped_on)
