"""A rating other than Met needs a comment; Met does not."""

from __future__ import annotations

import pytest

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reviewing.comments import check_comment, needs_comment
from portfolio.domain.reviewing.rubric import Rating


def test_only_met_goes_without_a_comment():
    assert {rating for rating in Rating if needs_comment(rating)} == {
        Rating.PARTIALLY_MET,
        Rating.NOT_MET,
    }


@pytest.mark.parametrize("comment", ["", "   ", "\n\t"])
def test_met_may_be_left_without_a_comment(comment):
    check_comment(Rating.MET, comment, competency="C1", field="comment-7")


@pytest.mark.parametrize("rating", [Rating.PARTIALLY_MET, Rating.NOT_MET])
@pytest.mark.parametrize("comment", ["", "   ", "\n\t"])
def test_a_lower_rating_without_a_comment_is_refused_on_its_field(rating, comment):
    with pytest.raises(InvalidInput) as refused:
        check_comment(rating, comment, competency="C1", field="comment-7")
    assert refused.value.field == "comment-7"
    assert refused.value.message == (
        "Add a comment for C1: a rating other than Met needs one, "
        "so the candidate knows what to improve."
    )


@pytest.mark.parametrize("rating", list(Rating))
def test_any_rating_with_a_comment_is_accepted(rating):
    check_comment(rating, "Give an example from your own desk.", competency="C1", field="c")
