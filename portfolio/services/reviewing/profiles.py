"""Reviewer profiles (qualifications, capacity, unavailability) and declared conflicts.

Administrators manage all of it; every change is audited. services.reviewing.pool turns these
rows into the plain values domain.reviewing.assignment chooses from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, InvalidInput, NotFound
from portfolio.domain.listing import Choice, ListFilter, ListPage, ListRequest, ListSpec
from portfolio.domain.reasons import written_reason
from portfolio.models import (
    CompetencySet,
    ConflictOfInterest,
    Framework,
    FrameworkStatus,
    ReviewerProfile,
    ReviewerQualification,
    ReviewerUnavailability,
    Role,
    User,
    UserRole,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.listing import ListQuery, fetch_page, set_filter
from portfolio.services.reviewing.calibration import start_calibration

MAX_CAPACITY = 50


@dataclass(frozen=True)
class SetChoice:
    """A set a reviewer can be qualified for: program slug, set code, and a label."""

    framework_slug: str
    set_code: str
    label: str

    @property
    def value(self) -> str:
        return f"{self.framework_slug}:{self.set_code}"


def reviewers_with_profiles(session: Session) -> list[tuple[User, ReviewerProfile | None]]:
    """Every person holding the reviewer role, by name, with their profile if they have one."""
    people = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.REVIEWER)
        .order_by(User.name)
    ).all()
    profiles = session.scalars(
        select(ReviewerProfile).where(ReviewerProfile.user_id.in_([p.id for p in people]))
    ).all()
    by_user = {profile.user_id: profile for profile in profiles}
    return [(person, by_user.get(person.id)) for person in people]


def reviewer_list(set_codes: list[str]) -> ListSpec:
    """The reviewers list's search, filters and sorts; the set filter offers `set_codes`."""
    return ListSpec(
        sorts=(Choice("name", "Name"), Choice("email", "Email")),
        filters=(
            ListFilter(
                "status",
                "Status",
                (
                    Choice("active", "Takes new reviews"),
                    Choice("inactive", "Inactive"),
                    Choice("none", "No profile yet"),
                ),
            ),
            set_filter(set_codes),
        ),
        default_order="asc",
        search_label="Search by name, email or library",
    )


def reviewers_query(request: ListRequest) -> ListQuery[tuple[User, ReviewerProfile | None]]:
    """One page of the people holding the reviewer role, each with their profile and its
    qualifications (three queries, whatever the page size)."""
    listed = (
        select(User, ReviewerProfile)
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
        .where(UserRole.role == Role.REVIEWER)
        .options(selectinload(ReviewerProfile.qualifications))
    )
    if request.search:
        listed = listed.where(
            or_(
                User.name.icontains(request.search, autoescape=True),
                User.email.icontains(request.search, autoescape=True),
                ReviewerProfile.library.icontains(request.search, autoescape=True),
            )
        )
    status = request.filters.get("status")
    if status == "none":
        listed = listed.where(ReviewerProfile.id.is_(None))
    elif status is not None:
        listed = listed.where(ReviewerProfile.active.is_(status == "active"))
    if "set" in request.filters:
        listed = listed.where(
            ReviewerProfile.id.in_(
                select(ReviewerQualification.profile_id).where(
                    ReviewerQualification.set_code == request.filters["set"]
                )
            )
        )
    return ListQuery(
        listed,
        {"name": User.name, "email": User.email},
        User.id,
        lambda rows: [(person, profile) for person, profile in rows],
    )


def list_reviewers(
    session: Session, request: ListRequest
) -> ListPage[tuple[User, ReviewerProfile | None]]:
    return fetch_page(session, reviewers_query(request), request)


def profile_for(session: Session, user: User) -> ReviewerProfile:
    """The reviewer's profile, made on first use (with no qualification, so never chosen yet).
    Only for requests that change the profile; pages that show it use profile_to_show."""
    profile = profile_to_show(session, user)
    if profile.id is None:
        profile.user = user
        session.add(profile)
        session.flush()
    return profile


def profile_to_show(session: Session, user: User) -> ReviewerProfile:
    """The reviewer's profile, or the defaults a new one gets, not saved (a GET only reads).
    NotFound when `user` is not a reviewer and has no profile."""
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == user.id))
    if profile is None:
        if not user.has_role(Role.REVIEWER):
            raise NotFound("This person is not a reviewer.")
        profile = ReviewerProfile(
            user_id=user.id, capacity=3, library="", active=True, qualifications=[]
        )
    return profile


def set_choices(session: Session) -> list[SetChoice]:
    """The sets of every published program (latest name for each slug and code)."""
    rows = session.execute(
        select(Framework.slug, CompetencySet.code, CompetencySet.name, Framework.version)
        .join(CompetencySet.framework)
        .where(Framework.status == FrameworkStatus.PUBLISHED)
        .order_by(Framework.slug, CompetencySet.position, Framework.version)
    ).all()
    choices: dict[tuple[str, str], SetChoice] = {}
    for slug, code, name, _version in rows:
        choices[(slug, code)] = SetChoice(slug, code, f"{slug.upper()} {code}: {name}")
    return list(choices.values())


def update_profile(
    session: Session,
    profile: ReviewerProfile,
    *,
    actor: User,
    capacity: int,
    library: str,
    active: bool,
    qualifications: Iterable[str],
    today: date | None = None,
) -> None:
    """Change capacity, library, active flag and qualifications ("slug:CODE" values). A
    reviewer not yet calibrated who is now qualified for a set with an anchor gets their
    calibration exercise (services.reviewing.calibration.start_calibration), due from `today`."""
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(f"Capacity must be between 1 and {MAX_CAPACITY}.", field="capacity")
    wanted = set()
    for value in qualifications:
        slug, _, code = value.partition(":")
        if not slug or not code:
            raise InvalidInput(f"{value!r} is not a set.", field="qualifications")
        wanted.add((slug, code))
    known = {(c.framework_slug, c.set_code) for c in set_choices(session)}
    held = {(q.framework_slug, q.set_code) for q in profile.qualifications}
    unknown = wanted - known - held
    if unknown:
        raise InvalidInput("Choose sets of a published program.", field="qualifications")
    profile.qualifications = [
        q for q in profile.qualifications if (q.framework_slug, q.set_code) in wanted
    ]
    for slug, code in sorted(wanted - held):
        profile.qualifications.append(ReviewerQualification(framework_slug=slug, set_code=code))
    profile.capacity, profile.library, profile.active = capacity, library.strip(), active
    session.flush()
    details = {
        "capacity": capacity,
        "library": profile.library,
        "active": active,
        "qualifications": sorted(f"{s}:{c}" for s, c in wanted),
    }
    audit.record(
        session,
        actor=actor,
        action=AuditAction.REVIEWER_PROFILE_UPDATED,
        object_type="reviewer_profile",
        object_id=profile.id,
        details=details,
    )
    # Only someone who can take reviews starts an exercise: not a profile being switched off,
    # nor a person whose reviewer role was revoked.
    if profile.calibrated_at is None and profile.active and profile.user.has_role(Role.REVIEWER):
        start_calibration(session, profile.user, today or utcnow().date(), actor=actor)


def add_unavailability(
    session: Session,
    profile: ReviewerProfile,
    *,
    actor: User,
    starts_on: date,
    ends_on: date,
    note: str = "",
) -> ReviewerUnavailability:
    if ends_on < starts_on:
        raise InvalidInput("The last day cannot come before the first.", field="ends_on")
    period = ReviewerUnavailability(starts_on=starts_on, ends_on=ends_on, note=note.strip())
    profile.unavailability.append(period)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.REVIEWER_UNAVAILABLE,
        object_type="reviewer_profile",
        object_id=profile.id,
        details={"starts_on": str(starts_on), "ends_on": str(ends_on), "note": period.note},
    )
    return period


def remove_unavailability(
    session: Session, profile: ReviewerProfile, period_id: int, *, actor: User
) -> None:
    period = next((p for p in profile.unavailability if p.id == period_id), None)
    if period is None:
        raise NotFound("There is no such period.")
    profile.unavailability.remove(period)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.REVIEWER_AVAILABLE_AGAIN,
        object_type="reviewer_profile",
        object_id=profile.id,
        details={"starts_on": str(period.starts_on), "ends_on": str(period.ends_on)},
    )


def declare_conflict(
    session: Session, *, actor: User, candidate: User, reviewer: User, reason: str
) -> ConflictOfInterest:
    """Record that `reviewer` must never review `candidate` (by the candidate or an admin)."""
    reason = written_reason(reason)
    if candidate.id == reviewer.id:
        raise InvalidInput("A person cannot be in conflict with themselves.", field="reviewer")
    conflict = ConflictOfInterest(
        candidate_id=candidate.id,
        reviewer_id=reviewer.id,
        declared_by_id=actor.id,
        reason=reason,
    )
    savepoint = session.begin_nested()
    try:
        session.add(conflict)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        raise Conflict("This conflict is already declared.") from None
    savepoint.commit()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.REVIEWER_CONFLICT_DECLARED,
        object_type="user",
        object_id=candidate.id,
        details={"reviewer_id": reviewer.id, "reason": conflict.reason},
    )
    return conflict


def conflicts(session: Session) -> list[tuple[ConflictOfInterest, User, User]]:
    """Every declared conflict with its candidate and reviewer, newest first."""
    candidate, reviewer = User.__table__.alias("c"), User.__table__.alias("r")
    rows = session.execute(
        select(ConflictOfInterest, candidate.c.id, reviewer.c.id)
        .join(candidate, candidate.c.id == ConflictOfInterest.candidate_id)
        .join(reviewer, reviewer.c.id == ConflictOfInterest.reviewer_id)
        .order_by(ConflictOfInterest.created_at.desc())
    ).all()
    people = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({r[1] for r in rows} | {r[2] for r in rows}))
        )
    }
    return [(row[0], people[row[1]], people[row[2]]) for row in rows]
