"""Audit actions: the values already in stored trails stay members, so histories keep them."""

from __future__ import annotations

import re

from portfolio.domain.audit_actions import AuditAction

# Every action the code recorded before actions were an enum, as stored in audit_event.action.
# A value may be added to AuditAction, never renamed or removed: old events would vanish from
# the histories that filter on it.
RECORDED_BEFORE_THE_ENUM = [
    "account.created",
    "account.email_changed",
    "account.email_confirmed",
    "account.password_changed",
    "account.password_reset",
    "account.role_granted",
    "account.role_revoked",
    "application.approved",
    "application.rejected",
    "application.started",
    "application.submitted",
    "artifact.added",
    "artifact.removed",
    "assignment.created",
    "assignment.declined",
    "assignment.due_date_moved",
    "assignment.reassigned",
    "calibration.anchor_marked",
    "calibration.assigned",
    "calibration.submitted",
    "certificate.issued",
    "certificate.revoked",
    "certification.decided",
    "certification.overridden",
    "course.returned",
    "course.verified",
    "enrollment.created",
    "enrollment.electives_chosen",
    "enrollment.route_chosen",
    "framework.competency_added",
    "framework.competency_moved",
    "framework.competency_removed",
    "framework.competency_updated",
    "framework.details_updated",
    "framework.draft_created",
    "framework.imported",
    "framework.published",
    "framework.retired",
    "framework.rubric_updated",
    "framework.rules_updated",
    "framework.set_added",
    "framework.set_moved",
    "framework.set_removed",
    "framework.set_updated",
    "outcome.needs_adjudication",
    "outcome.overridden",
    "outcome.recorded",
    "outcome.reopened",
    "payment.recorded",
    "review.submitted",
    "reviewer.available_again",
    "reviewer.conflict_declared",
    "reviewer.profile_updated",
    "reviewer.unavailable",
    "scholarship.awarded",
    "set.status_changed",
    "storage.orphan_deleted",
    "submission.created",
    "submission.status_changed",
    "submission.unassigned",
    "supervisor.accepted",
    "supervisor.invited",
    "supervisor.sharing_changed",
    "upload.broken",
    "upload.cancelled",
    "upload.expired",
    "upload.object_deleted",
    "upload.rejected",
    "upload.started",
    "upload.verified",
]


def test_every_action_in_stored_trails_is_still_a_member() -> None:
    values = {action.value for action in AuditAction}
    assert sorted(set(RECORDED_BEFORE_THE_ENUM) - values) == []


def test_each_value_is_one_object_and_one_verb_and_fits_the_column() -> None:
    for action in AuditAction:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", action.value), action
        assert len(action.value) <= 100  # audit_event.action is VARCHAR(100)


def test_no_two_members_share_a_value() -> None:
    # An alias (two names, one value) would make a history filter match the wrong member.
    assert len(AuditAction.__members__) == len(set(AuditAction))
