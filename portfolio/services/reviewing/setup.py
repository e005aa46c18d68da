"""Setting up a reviewer in one step: the reviewer role, the sets they may review, their
capacity and organisation, their calibration exercise, and then a new try for every submission
still waiting for reviewers, since the new reviewer may be the one it lacked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portfolio.domain.errors import InvalidInput
from portfolio.models import Role, User
from portfolio.services.accounts.roles import grant_role
from portfolio.services.reviewing import assignments, profiles
from portfolio.services.reviewing.calibration import current_calibration


@dataclass(frozen=True, slots=True)
class SetUpResult:
    granted_role: bool  # False when they were a reviewer already
    calibrating: bool  # a calibration exercise waits for them
    now_assigned: int  # waiting submissions that have all their reviewers after the new try


def set_up_reviewer(
    session: Session,
    person: User,
    *,
    actor: User,
    capacity: int,
    library: str,
    qualifications: Iterable[str],
    today: date,
) -> SetUpResult:
    """Everything audited by the services it calls; InvalidInput as update_profile raises it
    (capacity, sets), before anything is changed."""
    wanted = list(qualifications)
    if not wanted:
        raise InvalidInput("Choose at least one set they may review.", field="qualifications")
    granted = grant_role(session, actor=actor, user=person, role=Role.REVIEWER)
    profile = profiles.profile_for(session, person)
    profiles.update_profile(
        session,
        profile,
        actor=actor,
        capacity=capacity,
        library=library,
        active=True,
        qualifications=wanted,
        today=today,
    )
    calibrating = current_calibration(session, person) is not None
    return SetUpResult(granted, calibrating, assignments.retry_unassigned(session, today))
