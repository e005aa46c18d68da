"""What people are told, and how each person chooses to hear it (issue 15.2).

Every email a person receives is also a notification in the app. Each notification has a kind;
per kind a person chooses how its emails reach them: at once, gathered in a daily digest, or not
at all. Some kinds are always emailed at once whatever the choice (account security, decisions):
missing them could cost someone their account or a deadline to appeal.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class Delivery(enum.StrEnum):
    """How the emails of one kind reach a person."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"
    OFF = "off"

    @property
    def label(self) -> str:
        return _DELIVERY_LABELS[self]


_DELIVERY_LABELS = {
    Delivery.IMMEDIATE: "Email each one",
    Delivery.DIGEST: "One email a day",
    Delivery.OFF: "No email (in the app only)",
}


class Kind(enum.StrEnum):
    """Stored in Notification.kind, NotificationPreference.kind and OutboxMessage.kind."""

    ACCOUNT_SECURITY = "account_security"
    DECISION = "decision"
    OUTCOME = "outcome"
    INVITATION = "invitation"
    REVIEW_ASSIGNED = "review_assigned"
    REVIEW_REMINDER = "review_reminder"
    REVIEWS_COMPLETE = "reviews_complete"
    COURSE_RETURNED = "course_returned"
    DEADLINE_REMINDER = "deadline_reminder"
    DIGEST = "digest"  # the daily digest email itself (no notification of its own)
    COURSE_APPROVAL = "course_approval"
    COURSE_EVALUATION = "course_evaluation"
    APPEAL = "appeal"

    @property
    def rule(self) -> KindRule:
        return KIND_RULES[self]


@dataclass(frozen=True)
class KindRule:
    label: str  # what the preferences page calls it
    description: str
    must_send: bool  # always emailed at once, whatever the person chose
    audience: str  # the role the kind is for ("" for everybody); picks what the page shows


KIND_RULES: Mapping[Kind, KindRule] = {
    Kind.ACCOUNT_SECURITY: KindRule(
        "Account security",
        "Changes to your password, email address or name, and confirmation and reset links.",
        must_send=True,
        audience="",
    ),
    Kind.DECISION: KindRule(
        "Decisions",
        "Decisions on your application and your certification.",
        must_send=True,
        audience="",
    ),
    Kind.OUTCOME: KindRule(
        "Outcomes of your sets",
        "The result of each review of a competency set; it starts the time to appeal.",
        must_send=True,
        audience="candidate",
    ),
    Kind.INVITATION: KindRule(
        "Invitations",
        "An invitation someone sent you by name.",
        must_send=True,
        audience="",
    ),
    Kind.REVIEW_ASSIGNED: KindRule(
        "Reviews assigned to you",
        "A new review, a third review, or a review reopened by an administrator.",
        must_send=False,
        audience="reviewer",
    ),
    Kind.REVIEW_REMINDER: KindRule(
        "Review due dates",
        "Reminders before and after a review is due.",
        must_send=False,
        audience="reviewer",
    ),
    Kind.REVIEWS_COMPLETE: KindRule(
        "Reviews complete",
        "All reviews of a candidate's set are in, with its combined outcome.",
        must_send=False,
        audience="administrator",
    ),
    Kind.COURSE_RETURNED: KindRule(
        "Courses not verified",
        "The program office could not confirm a course you marked completed.",
        must_send=False,
        audience="candidate",
    ),
    Kind.DEADLINE_REMINDER: KindRule(
        "Deadline reminders",
        "Your completion window is ending, a resubmission is not made yet, or your certificate "
        "is due for renewal.",
        must_send=False,
        audience="candidate",
    ),
    Kind.DIGEST: KindRule(
        "Daily digest",
        "One email a day with the notifications you chose to get that way.",
        must_send=False,
        audience="none",
    ),
    Kind.COURSE_APPROVAL: KindRule(
        "Course approvals",
        "The program office's decisions and fees for the courses you applied to have approved.",
        must_send=True,  # a decision on the provider's application
        audience="provider",
    ),
    Kind.COURSE_EVALUATION: KindRule(
        "Courses to evaluate",
        "A course the program office asks you to evaluate against the course-approval rubric.",
        must_send=False,
        audience="reviewer",
    ),
    Kind.APPEAL: KindRule(
        "Appeals",
        "Each step of an appeal: yours, or one for the program office or the committee to act on.",
        must_send=True,  # every step starts a deadline of the published procedure
        audience="",
    ),
}

DEFAULT_DELIVERY = Delivery.IMMEDIATE


def choosable_kinds(roles: Iterable[str]) -> list[Kind]:
    """The kinds a person with `roles` may choose a delivery for, in the order of the page."""
    held = set(roles)
    return [
        kind
        for kind, rule in KIND_RULES.items()
        if not rule.must_send
        and rule.audience != "none"
        and (not rule.audience or rule.audience in held)
    ]


def always_sent_kinds(roles: Iterable[str]) -> list[Kind]:
    """The must-send kinds that concern a person with `roles` (listed, not choosable)."""
    held = set(roles)
    return [
        kind
        for kind, rule in KIND_RULES.items()
        if rule.must_send and (not rule.audience or rule.audience in held)
    ]


def delivery_for(kind: Kind, chosen: Delivery | None) -> Delivery:
    """How an email of `kind` goes to a person who chose `chosen` (None: never chose)."""
    if kind.rule.must_send:
        return Delivery.IMMEDIATE
    return chosen or DEFAULT_DELIVERY


def parse_kind(value: str) -> Kind | None:
    """The kind named `value`, or None for a name we do not know."""
    try:
        return Kind(value)
    except ValueError:
        return None


def parse_delivery(value: str) -> Delivery | None:
    try:
        return Delivery(value)
    except ValueError:
        return None
