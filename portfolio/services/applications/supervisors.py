"""Supervisors: invited by a candidate's application, they follow that candidate's progress.

A supervisor sees the status of each set and the time left, never the evidence unless the
candidate shares it; and only candidates who invited them (everyone else is "not found").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.applications.invitations import parse_addresses
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from portfolio.models import (
    Application,
    ApplicationStatus,
    Enrollment,
    Role,
    SupervisorLink,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.accounts.roles import grant_role
from portfolio.services.accounts.tokens import EXPIRED, NOT_VALID, InvalidLink
from portfolio.services.applications import emails
from portfolio.services.enrollment.progress import (
    EnrollmentProgress,
    enrollment_progress,
    enrollments_query,
)

SALT = "portfolio.supervisor-invitation"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_MAX_AGE = 14 * 24 * 60 * 60
NOT_FOUND = "We could not find that person among the staff you supervise."
REPLACED = "This invitation was replaced by a newer one. Use the link in the latest email about it."
OTHER_ADDRESS = (
    "This invitation was sent to another email address. Sign in with the account of that "
    "address to accept it."
)


@dataclass(frozen=True)
class InvitationSettings:
    secret_key: str
    link: Callable[[str], str]  # token -> absolute URL of the invitation page
    max_age: int = DEFAULT_MAX_AGE


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    # Its own salt: an invitation token never verifies as an account token, nor the reverse.
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def invite_supervisor(
    session: Session, application: Application, settings: InvitationSettings
) -> SupervisorLink:
    """Link the supervisor email of `application` to its candidate and email an invitation
    (none when the link was accepted already)."""
    email = application.supervisor_email.strip().lower()
    candidate = application.user
    link = _find_link(session, candidate.id, email)
    if link is None:
        try:
            with session.begin_nested():  # the same address invited twice at once
                link = SupervisorLink(candidate_id=candidate.id, email=email)
                session.add(link)
        except IntegrityError:
            link = _find_link(session, candidate.id, email)
            assert link is not None
    if link.accepted_at is not None:
        return link
    _send(
        session,
        link,
        candidate,
        application.framework.name,
        settings,
        key=f"supervisor.invited:{link.id}:application:{application.id}",
        details={"email": email, "application_id": application.id},
    )
    return link


def _token(settings: InvitationSettings, link: SupervisorLink) -> str:
    # "at": when this link was (re)issued; a resend moves it, so earlier emails stop working.
    payload = {"link": link.id, "email": link.email, "at": _stamp(link)}
    return str(_serializer(settings.secret_key).dumps(payload))


def _stamp(link: SupervisorLink) -> int:
    """When the link was last issued, in whole microseconds (exact, unlike a float)."""
    return (link.invited_at - EPOCH) // timedelta(microseconds=1)


def _replaced(session: Session, payload: object) -> bool:
    """Whether a token's payload names a link issued again since (tokens made before links
    were stamped carry no "at" and are not judged)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("link"), int):
        return False
    link = session.get(SupervisorLink, payload["link"])
    issued = payload.get("at")
    return link is not None and issued is not None and issued != _stamp(link)


def _send(
    session: Session,
    link: SupervisorLink,
    candidate: User,
    program: str,
    settings: InvitationSettings,
    *,
    key: str,
    details: dict[str, object],
) -> None:
    emails.send_supervisor_invitation(
        session,
        key=key,
        to=link.email,
        candidate=candidate.name,
        program=program,
        link=settings.link(_token(settings, link)),
        days=max(1, settings.max_age // 86400),
    )
    audit.record(
        session,
        actor=candidate,
        action=AuditAction.SUPERVISOR_INVITED,
        object_type="supervisor_link",
        object_id=link.id,
        details=details,
    )


def invite_after_applying(
    session: Session, candidate: User, email: str, settings: InvitationSettings
) -> SupervisorLink:
    """Invite (another) supervisor by `email` once the candidate has applied; inviting an
    address not accepted yet sends a fresh link that replaces the earlier one.

    InvalidInput for a bad address or the candidate's own; Conflict before any application
    was submitted, or when that address already follows the candidate."""
    addresses = parse_addresses(email, limit=1, field="email")
    address = addresses[0]
    if address == candidate.email.lower():
        raise InvalidInput("Enter your supervisor's address, not your own.", field="email")
    application = session.scalar(
        select(Application)
        .where(Application.user_id == candidate.id, Application.status != ApplicationStatus.DRAFT)
        .options(joinedload(Application.framework))
        .order_by(Application.id.desc())
        .limit(1)
    )
    if application is None:
        raise Conflict("Apply first: you can invite a supervisor once your application is sent.")
    link = _find_link(session, candidate.id, address)
    if link is not None and link.accepted_at is not None:
        raise Conflict(f"{address} follows your progress already.")
    if link is None:
        try:
            with session.begin_nested():  # the same address invited twice at once
                link = SupervisorLink(candidate_id=candidate.id, email=address)
                session.add(link)
        except IntegrityError as exc:
            raise Conflict(f"{address} was invited at the same moment already.") from exc
    else:
        link.invited_at = utcnow()
    session.flush()
    _send(
        session,
        link,
        candidate,
        application.framework.name,
        settings,
        key=f"supervisor.invited:{link.id}:at:{_stamp(link)}",
        details={"email": address, "application_id": application.id, "after_applying": True},
    )
    return link


def remove_link(session: Session, link: SupervisorLink, *, actor: User) -> None:
    """The candidate stops a supervisor following them (or withdraws an invitation). Audited."""
    details = {"email": link.email, "supervisor_id": link.supervisor_id}
    link_id = link.id
    session.delete(link)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.SUPERVISOR_REMOVED,
        object_type="supervisor_link",
        object_id=link_id,
        details=details,
    )


def _find_link(session: Session, candidate_id: int, email: str) -> SupervisorLink | None:
    query = select(SupervisorLink).where(
        SupervisorLink.candidate_id == candidate_id, SupervisorLink.email == email
    )
    return session.scalar(query)


def read_invitation(session: Session, settings: InvitationSettings, token: str) -> SupervisorLink:
    """The link an invitation token names. Raises InvalidLink (expired, tampered, or stale)."""
    serializer = _serializer(settings.secret_key)
    try:
        payload = serializer.loads(token, max_age=settings.max_age)
    except SignatureExpired as exc:
        # An old link replaced by a newer email says so, expired or not.
        try:
            stale = serializer.load_payload(exc.payload) if isinstance(exc.payload, bytes) else {}
        except BadSignature:
            stale = {}
        if _replaced(session, stale):
            raise InvalidLink(REPLACED) from exc
        raise InvalidLink(EXPIRED, expired=True) from exc
    except BadSignature as exc:
        raise InvalidLink(NOT_VALID) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("link"), int):
        raise InvalidLink(NOT_VALID)
    link = session.get(SupervisorLink, payload["link"])
    if link is None or link.email != payload.get("email"):
        raise InvalidLink(NOT_VALID)
    if _replaced(session, payload):
        raise InvalidLink(REPLACED)
    return link


def candidate_of(session: Session, link: SupervisorLink) -> User:
    candidate = session.get(User, link.candidate_id)
    assert candidate is not None  # a foreign key
    return candidate


def accept_invitation(session: Session, link: SupervisorLink, user: User) -> None:
    """Make `user` the supervisor of the link's candidate and grant the supervisor role.

    Forbidden when the signed-in person's address is not the invited one. Accepting again is
    harmless; a link accepted by another account is no longer valid (InvalidLink).
    """
    if user.email.lower() != link.email:
        raise Forbidden(OTHER_ADDRESS)
    if link.accepted_at is not None:
        if link.supervisor_id == user.id:
            return
        raise InvalidLink("This invitation was accepted already.")
    link.supervisor_id = user.id
    link.accepted_at = utcnow()
    session.flush()
    grant_role(session, actor=user, user=user, role=Role.SUPERVISOR)
    audit.record(
        session,
        actor=user,
        action=AuditAction.SUPERVISOR_ACCEPTED,
        object_type="supervisor_link",
        object_id=link.id,
        details={"candidate_id": link.candidate_id},
    )


def candidate_links(session: Session, candidate: User) -> list[SupervisorLink]:
    query = select(SupervisorLink).where(SupervisorLink.candidate_id == candidate.id)
    return list(session.scalars(query.order_by(SupervisorLink.id)))


def get_own_link(session: Session, candidate: User, link_id: int) -> SupervisorLink:
    link = session.get(SupervisorLink, link_id)
    if link is None or link.candidate_id != candidate.id:
        raise NotFound("We could not find that supervisor.")
    return link


def set_sharing(session: Session, link: SupervisorLink, *, shares: bool, actor: User) -> None:
    """Let the supervisor see the candidate's evidence, or stop it. Audited."""
    if link.shares_evidence == shares:
        return
    link.shares_evidence = shares
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.SUPERVISOR_SHARING_CHANGED,
        object_type="supervisor_link",
        object_id=link.id,
        details={"shares_evidence": shares},
    )


@dataclass(frozen=True)
class SupervisedCandidate:
    link: SupervisorLink
    candidate: User
    applications: tuple[Application, ...]
    enrollments: tuple[EnrollmentProgress, ...]


def supervised_candidates(
    session: Session, supervisor: User, today: date, candidate_id: int | None = None
) -> list[SupervisedCandidate]:
    """The candidates whose invitation `supervisor` accepted (or just one), with their
    applications and progress; a fixed number of queries however many there are."""
    query = select(SupervisorLink).where(
        SupervisorLink.supervisor_id == supervisor.id, SupervisorLink.accepted_at.is_not(None)
    )
    if candidate_id is not None:
        query = query.where(SupervisorLink.candidate_id == candidate_id)
    links = list(session.scalars(query.order_by(SupervisorLink.accepted_at)))
    ids = [link.candidate_id for link in links]
    if not ids:
        return []
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    applications = session.scalars(
        select(Application)
        .where(Application.user_id.in_(ids))
        .options(joinedload(Application.framework))
        .order_by(Application.id)
    ).all()
    enrollments = (
        session.scalars(enrollments_query().where(Enrollment.user_id.in_(ids))).unique().all()
    )
    return [
        SupervisedCandidate(
            link=link,
            candidate=people[link.candidate_id],
            applications=tuple(a for a in applications if a.user_id == link.candidate_id),
            enrollments=tuple(
                enrollment_progress(e, today) for e in enrollments if e.user_id == link.candidate_id
            ),
        )
        for link in links
    ]


def supervised_candidate(
    session: Session, supervisor: User, candidate_id: int, today: date
) -> SupervisedCandidate:
    """One candidate who invited `supervisor`; NotFound for anybody else."""
    found = supervised_candidates(session, supervisor, today, candidate_id)
    if not found:
        raise NotFound(NOT_FOUND)
    return found[0]
