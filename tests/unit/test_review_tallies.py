"""The monthly tallies behind the quality page: what a review adds, and that nothing drifts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.reviewing.tallies import (
    COUNTERS,
    Subject,
    SubmittedReview,
    TallyKey,
    month_of,
    tallies_of_reviews,
    tallies_of_submit,
    tallies_of_withdrawal,
)
from portfolio.models import ReviewerReviewTally, SetReviewTally

SET, ANNE, BEN = 7, 101, 102
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def review(aid, reviewer, submitted_at, levels, *, submission=1, took_days=2):
    return SubmittedReview(
        assignment_id=aid,
        submission_id=submission,
        reviewer_id=reviewer,
        set_id=SET,
        assigned_at=submitted_at - timedelta(days=took_days),
        submitted_at=submitted_at,
        levels=dict(enumerate(levels)),
    )


def test_a_lone_review_counts_itself_its_time_and_its_ratings_but_no_pair():
    anne = review(1, ANNE, datetime(2026, 1, 10, tzinfo=UTC), ["met", "met", "not_met"])
    own = {"reviews": 1, "seconds": 2 * 86400, "rated_met": 2, "rated_not_met": 1}
    assert tallies_of_submit(anne, []) == {
        TallyKey(Subject.SET, SET, JAN): Counter(own),
        TallyKey(Subject.REVIEWER, ANNE, JAN): Counter(own),
    }


def test_a_pair_counts_in_the_month_of_the_later_review_in_each_reviewers_own_order():
    anne = review(1, ANNE, datetime(2026, 1, 31, 23, tzinfo=UTC), ["met", "met", "not_met"])
    ben = review(2, BEN, datetime(2026, 2, 1, 1, tzinfo=UTC), ["met", "partially_met", "met"])
    added = tallies_of_submit(ben, [anne])
    ben_own = {"reviews": 1, "seconds": 2 * 86400, "rated_met": 2, "rated_partially_met": 1}
    assert added == {
        # Per set, the first assigned review's level first.
        TallyKey(Subject.SET, SET, FEB): Counter(
            ben_own, pair_met_met=1, pair_met_partially_met=1, pair_not_met_met=1
        ),
        # Per reviewer, their own level first. Anne's own review stays January's.
        TallyKey(Subject.REVIEWER, ANNE, FEB): Counter(
            pair_met_met=1, pair_met_partially_met=1, pair_not_met_met=1
        ),
        TallyKey(Subject.REVIEWER, BEN, FEB): Counter(
            ben_own, pair_met_met=1, pair_partially_met_met=1, pair_met_not_met=1
        ),
    }


def test_the_month_is_the_utc_month_whatever_zone_the_time_is_given_in():
    new_york = timezone(timedelta(hours=-5))
    late_evening = datetime(2026, 1, 31, 21, 0, tzinfo=new_york)  # 1 February, 02:00 UTC
    assert month_of(late_evening) == FEB
    assert month_of(datetime(2026, 1, 31, 23, 59)) == JAN  # naive: already UTC


def test_only_competencies_rated_by_both_pair_up():
    anne = review(1, ANNE, datetime(2026, 1, 5, tzinfo=UTC), ["met", "met"])
    ben = SubmittedReview(2, 1, BEN, SET, anne.assigned_at, anne.submitted_at, {1: "not_met"})
    added = tallies_of_submit(ben, [anne])
    assert added[TallyKey(Subject.SET, SET, JAN)]["pair_met_not_met"] == 1
    assert (
        sum(n for name, n in added[TallyKey(Subject.SET, SET, JAN)].items() if "pair" in name) == 1
    )


def test_every_counter_has_a_column_in_both_tally_tables():
    for model in (SetReviewTally, ReviewerReviewTally):
        assert set(COUNTERS) <= set(model.__table__.c.keys())


levels = st.lists(st.sampled_from(["met", "partially_met", "not_met"]), min_size=1, max_size=4)
reviews_strategy = st.lists(
    st.tuples(
        st.integers(1, 3),  # submission
        st.integers(1, 4),  # reviewer
        st.integers(0, 90),  # day of submission
        levels,
    ),
    min_size=1,
    max_size=8,
)


def _reviews(drawn):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        SubmittedReview(
            i + 1,
            submission,
            reviewer,
            SET,
            start,
            start + timedelta(days=day),
            dict(enumerate(lv)),
        )
        for i, (submission, reviewer, day, lv) in enumerate(drawn)
    ]


def _plus(total, more):
    result = {key: Counter(counts) for key, counts in total.items()}
    for key, counts in more.items():
        result.setdefault(key, Counter()).update(counts)
    return {key: +counts for key, counts in result.items() if +counts}


@given(reviews_strategy)
def test_the_tallies_do_not_depend_on_the_order_the_reviews_are_listed_in(drawn):
    reviews = _reviews(drawn)
    assert tallies_of_reviews(reviews) == tallies_of_reviews(list(reversed(reviews)))


@given(reviews_strategy, st.data())
def test_withdrawing_a_review_leaves_the_tallies_of_the_others(drawn, data):
    reviews = _reviews(drawn)
    gone = data.draw(st.sampled_from(reviews))
    rest = [r for r in reviews if r is not gone]
    partners = [r for r in rest if r.submission_id == gone.submission_id]
    after = _plus(tallies_of_reviews(reviews), tallies_of_withdrawal(gone, partners))
    assert after == tallies_of_reviews(rest)


@given(reviews_strategy, st.data())
def test_submitting_one_by_one_in_any_order_adds_up_to_the_tallies_of_all(drawn, data):
    reviews = _reviews(drawn)
    total: dict = {}
    submitted: list[SubmittedReview] = []
    for r in data.draw(st.permutations(reviews)):
        partners = [p for p in submitted if p.submission_id == r.submission_id]
        total = _plus(total, tallies_of_submit(r, partners))
        submitted.append(r)
    assert total == tallies_of_reviews(reviews)
