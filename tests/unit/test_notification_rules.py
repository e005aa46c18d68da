"""Who may choose what about which emails, and when a resubmission is reminded (issue 15.2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portfolio.domain.enrollment.reminders import resubmission_reminder_due
from portfolio.domain.notifications import (
    Delivery,
    Kind,
    always_sent_kinds,
    choosable_kinds,
    delivery_for,
)


@pytest.mark.parametrize("chosen", [None, Delivery.IMMEDIATE, Delivery.DIGEST, Delivery.OFF])
@pytest.mark.parametrize(
    "kind", [Kind.ACCOUNT_SECURITY, Kind.DECISION, Kind.OUTCOME, Kind.INVITATION]
)
def test_kinds_that_must_be_sent_go_at_once_whatever_was_chosen(kind, chosen):
    assert delivery_for(kind, chosen) is Delivery.IMMEDIATE


@pytest.mark.parametrize("chosen", [Delivery.IMMEDIATE, Delivery.DIGEST, Delivery.OFF])
def test_other_kinds_follow_the_choice_and_default_to_immediate(chosen):
    assert delivery_for(Kind.REVIEW_ASSIGNED, chosen) is chosen
    assert delivery_for(Kind.DEADLINE_REMINDER, None) is Delivery.IMMEDIATE


def test_each_role_chooses_only_about_its_own_emails():
    assert choosable_kinds(["reviewer"]) == [
        Kind.REVIEW_ASSIGNED,
        Kind.REVIEW_REMINDER,
        Kind.COURSE_EVALUATION,
    ]
    assert choosable_kinds(["candidate"]) == [Kind.COURSE_RETURNED, Kind.DEADLINE_REMINDER]
    assert choosable_kinds(["administrator"]) == [Kind.REVIEWS_COMPLETE]
    assert choosable_kinds([]) == []
    everyone = choosable_kinds(["candidate", "reviewer", "administrator", "supervisor"])
    assert not any(kind.rule.must_send for kind in everyone)
    assert Kind.DIGEST not in everyone  # the digest itself is not a kind of news
    assert Kind.OUTCOME in always_sent_kinds(["candidate"])
    assert Kind.OUTCOME not in always_sent_kinds(["reviewer"])
    assert Kind.COURSE_APPROVAL in always_sent_kinds(["provider"])
    assert choosable_kinds(["provider"]) == []


OUTCOME_ON = date(2026, 1, 10)


@pytest.mark.parametrize(
    ("days_after", "due"),
    [(0, None), (29, None), (30, 30), (31, 30), (89, 30), (90, 90), (400, 90)],
)
def test_a_resubmission_is_reminded_30_then_90_days_after_the_outcome(days_after, due):
    assert resubmission_reminder_due(OUTCOME_ON, OUTCOME_ON + timedelta(days=days_after)) == due
