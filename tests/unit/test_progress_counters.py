"""What each counter of an enrollment's progress tally counts (domain.reporting.progress)."""

from __future__ import annotations

import pytest

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.reporting.progress import SET_COUNTERS

pytestmark = pytest.mark.database_independent
COUNTERS = {counter.column: counter for counter in SET_COUNTERS}


def counted(status, *, course_verified=False, dropped=False):
    return {
        column
        for column, counter in COUNTERS.items()
        if counter.counts(status, course_verified=course_verified, dropped=dropped)
    }


def test_a_met_set_is_met_and_counts_towards_certification():
    assert counted(SetLifecycle.MET) == {"sets_met", "sets_satisfied"}


@pytest.mark.parametrize(
    "status",
    [
        SetLifecycle.SUBMITTED,
        SetLifecycle.IN_REVIEW,
        SetLifecycle.NEEDS_ADJUDICATION,
        SetLifecycle.RESUBMITTED,
    ],
)
def test_a_set_waiting_on_reviewers_is_in_review_only(status):
    assert counted(status) == {"sets_in_review"}


@pytest.mark.parametrize(
    "status",
    [
        SetLifecycle.NOT_STARTED,
        SetLifecycle.DRAFT,
        SetLifecycle.NOT_YET_MET,
        SetLifecycle.CLOSED_NOT_MET,
    ],
)
def test_a_set_neither_decided_met_nor_sent_in_counts_nowhere(status):
    assert counted(status) == set()


def test_a_verified_course_counts_towards_certification_but_is_not_a_met_portfolio():
    assert counted(SetLifecycle.NOT_STARTED, course_verified=True) == {"sets_satisfied"}


def test_a_dropped_elective_keeps_its_outcome_on_record_but_no_longer_counts():
    assert counted(SetLifecycle.MET, dropped=True) == {"sets_met"}
    assert counted(SetLifecycle.NOT_STARTED, course_verified=True, dropped=True) == set()
