"""The appeal procedure as pure rules: deadlines from the program's rule data, the stages and
what each waits for, the grounds' bounds, and who may not sit on the committee."""

from __future__ import annotations

from datetime import date

import pytest

from portfolio.domain.appeals.committee import committee_refusal
from portfolio.domain.appeals.deadlines import (
    committee_due,
    filing_deadlines,
    grounds_refusal,
    notice_refusal,
    office_due,
)
from portfolio.domain.appeals.grounds import GROUNDS_MAX, appeal_grounds
from portfolio.domain.appeals.stages import (
    LAPSED,
    AppealDates,
    AppealStage,
    AppealSubject,
    NextStep,
    advance,
    next_step,
    shown_stage,
)
from portfolio.domain.errors import Conflict, FrameworkFileError, InvalidInput
from portfolio.domain.programs.rules import AppealRules, rules_from_document
from tests.framework_documents import RULES, lsscp_document

LSSCP = AppealRules(notice_days=10, grounds_days=30, office_response_days=30, committee_days=30)
DECIDED = date(2026, 3, 2)


def test_the_shipped_program_publishes_its_appeal_days_as_rule_data():
    rules = rules_from_document(lsscp_document()["rules"])
    assert rules.appeals == LSSCP


def test_a_program_without_an_appeals_section_has_no_procedure():
    doc = {k: v for k, v in RULES.items() if k != "appeals"}
    assert rules_from_document(doc).appeals is None


@pytest.mark.parametrize(
    ("appeals", "where"),
    [
        ({"notice_days": 10, "grounds_days": 30, "office_response_days": 30}, "committee_days"),
        (
            {"notice_days": 0, "grounds_days": 30, "office_response_days": 30, "committee_days": 3},
            "notice_days",
        ),
        (
            {
                "notice_days": 20,
                "grounds_days": 10,
                "office_response_days": 30,
                "committee_days": 3,
            },
            "grounds_days",
        ),
    ],
)
def test_bad_appeal_rules_name_the_field(appeals, where):
    with pytest.raises(FrameworkFileError, match=where):
        rules_from_document({**RULES, "appeals": appeals})


def test_deadlines_count_calendar_days_and_include_the_last_day():
    deadlines = filing_deadlines(DECIDED, LSSCP)
    assert deadlines.notice_by == date(2026, 3, 12)
    assert deadlines.grounds_by == date(2026, 4, 1)
    assert notice_refusal(DECIDED, date(2026, 3, 12), LSSCP) is None
    assert grounds_refusal(DECIDED, date(2026, 4, 1), LSSCP) is None
    assert office_due(date(2026, 4, 1), LSSCP) == date(2026, 5, 1)
    assert committee_due(date(2026, 5, 1), LSSCP) == date(2026, 5, 31)


def test_a_late_step_is_refused_with_both_dates():
    late = notice_refusal(DECIDED, date(2026, 3, 13), LSSCP)
    assert late == (
        "The notice of intent had to be filed by 12 March 2026, 10 calendar days after the "
        "decision of 2 March 2026. The right to appeal this decision has ended."
    )
    grounds = grounds_refusal(DECIDED, date(2026, 4, 2), LSSCP)
    assert grounds is not None and "had to be filed by 1 April 2026" in grounds


def test_other_day_counts_move_every_deadline():
    short = AppealRules(notice_days=1, grounds_days=1, office_response_days=5, committee_days=7)
    assert notice_refusal(DECIDED, date(2026, 3, 4), short) is not None
    assert "1 calendar day after" in str(grounds_refusal(DECIDED, date(2026, 3, 4), short))


def test_a_notice_without_grounds_lapses_after_the_grounds_deadline():
    dates = AppealDates(decided_on=DECIDED)
    waiting = next_step(AppealStage.NOTICE_FILED, AppealSubject.SET_OUTCOME, dates, LSSCP, DECIDED)
    assert waiting is not None and waiting.who == "candidate" and waiting.due_on == date(2026, 4, 1)
    assert shown_stage(AppealStage.NOTICE_FILED, dates, LSSCP, date(2026, 4, 1)) == "notice_filed"
    assert shown_stage(AppealStage.NOTICE_FILED, dates, LSSCP, date(2026, 4, 2)) == LAPSED
    later = date(2026, 4, 2)
    assert (
        next_step(AppealStage.NOTICE_FILED, AppealSubject.SET_OUTCOME, dates, LSSCP, later) is None
    )


def test_the_office_and_the_committee_are_flagged_overdue_after_their_day():
    dates = AppealDates(DECIDED, grounds_filed_on=date(2026, 3, 20), office_answered_on=None)
    on_time = next_step(
        AppealStage.GROUNDS_FILED, AppealSubject.CERTIFICATION, dates, LSSCP, date(2026, 4, 19)
    )
    late = next_step(
        AppealStage.GROUNDS_FILED, AppealSubject.CERTIFICATION, dates, LSSCP, date(2026, 4, 20)
    )
    assert on_time is not None and not on_time.overdue and on_time.due_on == date(2026, 4, 19)
    assert late is not None and late.overdue and late.who == "office"
    answered = AppealDates(DECIDED, date(2026, 3, 20), office_answered_on=date(2026, 4, 10))
    committee = next_step(
        AppealStage.WITH_COMMITTEE, AppealSubject.SET_OUTCOME, answered, LSSCP, date(2026, 5, 11)
    )
    assert committee is not None and committee.who == "committee" and committee.overdue
    fresh = next_step(AppealStage.SENT_BACK, AppealSubject.SET_OUTCOME, answered, LSSCP, DECIDED)
    assert fresh == NextStep("Review the set afresh", "reviewers", None, False)
    for over in (AppealStage.UPHELD, AppealStage.RECONSIDERED):
        assert next_step(over, AppealSubject.SET_OUTCOME, answered, LSSCP, DECIDED) is None


def test_steps_happen_once_and_in_order():
    stage = advance(AppealStage.NOTICE_FILED, "grounds")
    assert stage is AppealStage.GROUNDS_FILED
    with pytest.raises(Conflict, match="already filed"):
        advance(stage, "grounds")
    with pytest.raises(Conflict, match="not waiting for the committee"):
        advance(stage, "send_back")
    stage = advance(advance(stage, "answer"), "send_back")
    assert advance(stage, "reconsider") is AppealStage.RECONSIDERED
    with pytest.raises(Conflict):
        advance(AppealStage.UPHELD, "reconsider")


@pytest.mark.parametrize(
    ("grounds", "message"),
    [
        ("", "State the grounds of your appeal."),
        ("   \n ", "State the grounds of your appeal."),
        (None, "State the grounds of your appeal."),
        ("Unfair.", "at least 50 characters"),
        ("x" * (GROUNDS_MAX + 1), "Use at most 20,000 characters"),
    ],
)
def test_grounds_must_be_stated_in_detail_within_the_bound(grounds, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        appeal_grounds(grounds)
    assert refused.value.field == "grounds"


def test_grounds_keep_their_words_without_the_surrounding_space():
    text = "  " + "The procedure was not followed because the review came late. " * 3 + "\n"
    assert appeal_grounds(text) == text.strip()
    assert appeal_grounds("y" * GROUNDS_MAX) == "y" * GROUNDS_MAX


def test_nobody_who_had_a_hand_in_the_case_sits_on_its_committee():
    people = {"candidate_id": 1, "reviewer_ids": {2, 3}, "decider_ids": {4}, "office_ids": {5}}
    assert committee_refusal(9, **people) is None
    assert "your own appeal" in str(committee_refusal(1, **people))
    assert "You reviewed this case" in str(committee_refusal(3, **people))
    assert "made or changed the decision" in str(committee_refusal(4, **people))
    assert "answered this appeal for the program office" in str(committee_refusal(5, **people))
