"""One set of words for set and outcome statuses (domain.lifecycle), used by pages and emails."""

from __future__ import annotations

import pytest

from portfolio.domain.errors import InvalidInput
from portfolio.domain.lifecycle import SetLifecycle, status_label, status_title
from portfolio.domain.reviewing.rubric import SetStatus
from portfolio.models import OutcomeStatus


@pytest.mark.parametrize(
    "status", [*SetLifecycle, *OutcomeStatus, *SetStatus], ids=lambda s: f"{type(s).__name__}.{s}"
)
def test_every_set_and_outcome_status_has_words_of_its_own(status):
    label = status_label(status)
    assert label == label.lower() and label.strip() == label and "_" not in label
    assert status_title(status) == label[0].upper() + label[1:]
    assert status_label(status.value) == label  # stored strings read the same


def test_no_two_set_statuses_share_their_words():
    labels = [status_label(status) for status in SetLifecycle]
    assert len(set(labels)) == len(labels)


def test_an_outcome_status_reads_like_the_set_status_it_shares_a_value_with():
    assert status_title(OutcomeStatus.NEEDS_ADJUDICATION) == "Waiting for a third reviewer"
    assert status_title(OutcomeStatus.CLOSED_NOT_MET) == "Closed as not met"
    assert status_label(SetLifecycle.CLOSED_NOT_MET) == "closed as not met"
    assert status_title(OutcomeStatus.NOT_YET_MET) == "Not yet met"


@pytest.mark.parametrize("value", ["", "approved", "Met", "not yet met"])
def test_a_value_that_is_no_status_is_refused(value):
    with pytest.raises(InvalidInput) as refused:
        status_label(value)
    assert refused.value.field == "status"
