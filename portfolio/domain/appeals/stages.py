"""Where an appeal stands, what comes next, by when, and whether that step is overdue.

    notice_filed --grounds--> grounds_filed --office answers or declines--> with_committee
    with_committee --uphold--> upheld
    with_committee --send back--> sent_back
    sent_back --the office reconsiders (a certification decision)--> reconsidered

A set sent back stays sent_back: its fresh review is the reviewing capability's, and the page
shows the new outcome once there is one. A notice whose grounds never came is lapsed: that is
read from the dates (a GET never writes), never stored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from portfolio.domain.appeals.deadlines import committee_due, filing_deadlines, office_due
from portfolio.domain.errors import Conflict
from portfolio.domain.programs.rules import AppealRules


class AppealStage(enum.StrEnum):
    """Stored in models.appeals.Appeal.stage."""

    NOTICE_FILED = "notice_filed"
    GROUNDS_FILED = "grounds_filed"
    WITH_COMMITTEE = "with_committee"
    UPHELD = "upheld"
    SENT_BACK = "sent_back"
    RECONSIDERED = "reconsidered"


class AppealSubject(enum.StrEnum):
    SET_OUTCOME = "set_outcome"
    CERTIFICATION = "certification"


class Ruling(enum.StrEnum):
    UPHOLD = "uphold"
    SEND_BACK = "send_back"


LAPSED = "lapsed"  # a shown stage, never stored
STAGE_LABELS = {
    AppealStage.NOTICE_FILED: "Notice of intent filed: waiting for the grounds",
    AppealStage.GROUNDS_FILED: "Grounds filed: waiting for the program office",
    AppealStage.WITH_COMMITTEE: "With the appeals committee",
    AppealStage.UPHELD: "Decision upheld",
    AppealStage.SENT_BACK: "Sent back with comments",
    AppealStage.RECONSIDERED: "Reconsidered by the program office",
    LAPSED: "Lapsed: the grounds were not filed in time",
}
# The order of the administrators' list: open steps first, in the order they happen.
STAGE_ORDER = (
    AppealStage.NOTICE_FILED,
    AppealStage.GROUNDS_FILED,
    AppealStage.WITH_COMMITTEE,
    AppealStage.SENT_BACK,
    AppealStage.UPHELD,
    AppealStage.RECONSIDERED,
    LAPSED,
)


@dataclass(frozen=True)
class AppealDates:
    """The day of the decision and of each step taken so far (None: not yet)."""

    decided_on: date
    grounds_filed_on: date | None = None
    office_answered_on: date | None = None


@dataclass(frozen=True)
class NextStep:
    """The step an appeal waits for: who takes it, by when, and whether that day has passed."""

    what: str
    who: str
    due_on: date | None
    overdue: bool


def shown_stage(stage: AppealStage, dates: AppealDates, rules: AppealRules, today: date) -> str:
    """The stage to show: the stored one, or LAPSED for a notice whose grounds came too late."""
    if (
        stage is AppealStage.NOTICE_FILED
        and today > filing_deadlines(dates.decided_on, rules).grounds_by
    ):
        return LAPSED
    return stage.value


def next_step(
    stage: AppealStage,
    subject: AppealSubject,
    dates: AppealDates,
    rules: AppealRules,
    today: date,
) -> NextStep | None:
    """What the appeal waits for now; None once it is over (upheld, reconsidered, lapsed). A
    set sent back waits for its fresh review, with no date of the appeal's own (the reviewers'
    due dates apply)."""
    due: date | None
    if stage is AppealStage.NOTICE_FILED:
        due = filing_deadlines(dates.decided_on, rules).grounds_by
        if today > due:
            return None
        return NextStep("File the full grounds", "candidate", due, False)
    if stage is AppealStage.GROUNDS_FILED:
        assert dates.grounds_filed_on is not None
        due = office_due(dates.grounds_filed_on, rules)
        return NextStep("Answer the appeal, or state that it will not", "office", due, today > due)
    if stage is AppealStage.WITH_COMMITTEE:
        assert dates.office_answered_on is not None
        due = committee_due(dates.office_answered_on, rules)
        return NextStep("Uphold the decision or send it back", "committee", due, today > due)
    if stage is AppealStage.SENT_BACK and subject is AppealSubject.CERTIFICATION:
        return NextStep(
            "Reconsider the decision with the committee's comments", "office", None, False
        )
    if stage is AppealStage.SENT_BACK:
        return NextStep("Review the set afresh", "reviewers", None, False)
    return None


_MOVES = {
    (AppealStage.NOTICE_FILED, "grounds"): AppealStage.GROUNDS_FILED,
    (AppealStage.GROUNDS_FILED, "answer"): AppealStage.WITH_COMMITTEE,
    (AppealStage.WITH_COMMITTEE, Ruling.UPHOLD.value): AppealStage.UPHELD,
    (AppealStage.WITH_COMMITTEE, Ruling.SEND_BACK.value): AppealStage.SENT_BACK,
    (AppealStage.SENT_BACK, "reconsider"): AppealStage.RECONSIDERED,
}
_REFUSALS = {
    "grounds": "The grounds of this appeal are already filed.",
    "answer": "The office can answer an appeal only once its grounds are filed, and only once.",
    Ruling.UPHOLD.value: "This appeal is not waiting for the committee.",
    Ruling.SEND_BACK.value: "This appeal is not waiting for the committee.",
    "reconsider": "Only a certification decision sent back by the committee is reconsidered.",
}


def advance(stage: AppealStage, step: str) -> AppealStage:
    """The stage after `step`; Conflict (409) when the appeal is not at the stage for it."""
    new = _MOVES.get((stage, step))
    if new is None:
        raise Conflict(_REFUSALS.get(step, "This appeal cannot take that step now."))
    return new
