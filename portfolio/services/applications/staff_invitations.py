"""Supervisors inviting their staff to apply: the invitation links them once accepted.

Each invitation is one row per (supervisor, address). Resending or renewing it (after it
expired, say) issues a new link and bumps its generation, so a link from an earlier email is
refused even while it would otherwise still be valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.domain.applications.invitations import parse_addresses
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from portfolio.domain.notifications import Kind
from portfolio.models import StaffInvitation, SupervisorLink, User
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.accounts.tokens import NOT_VALID, InvalidLink
from portfolio.services.outbox import queue
from portfolio.services.programs.queries import get_framework

SALT = "portfolio.staff-invitation"
REPLACED = (
    "This invitation was replaced by a newer one. Use the link in the latest email from your "
    "supervisor."
)
OTHER_ADDRESS = (
    "This invitation was sent to another email address. Sign in with the account of that "
    "address to accept it."
)


@dataclass(frozen=True)
class StaffInvitationSettings:
    secret_key: str
    link: Callable[[str], str]  # token -> absolute URL of the invitation page
    max_age: int  # seconds


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def _token(settings: StaffInvitationSettings, invitation: StaffInvitation) -> str:
    payload = {"i": invitation.id, "g": invitation.generation, "e": invitation.email}
    return str(_serializer(settings.secret_key).dumps(payload))


def expires_at(invitation: StaffInvitation, settings: StaffInvitationSettings) -> datetime:
    return invitation.issued_at + timedelta(seconds=settings.max_age)


def invite_staff(
    session: Session,
    supervisor: User,
    *,
    emails: str,
    program_slug: str,
    settings: StaffInvitationSettings,
) -> list[StaffInvitation]:
    """Invite each address in `emails` to apply to program `program_slug`, from `supervisor`.

    InvalidInput for an unknown program, no address, a bad one, or more than MAX_ADDRESSES.
    An address invited before is sent a fresh link (the old one stops working); one who
    accepted already is left alone. Emails leave through the outbox after the commit."""
    framework = get_framework(session, program_slug, include_drafts=False)
    if framework is None:
        raise InvalidInput("Choose a program.", field="program")
    addresses = parse_addresses(emails)
    if supervisor.email.lower() in addresses:
        raise InvalidInput("Invite your staff, not yourself.", field="emails")
    existing = {
        i.email: i
        for i in session.scalars(
            select(StaffInvitation).where(
                StaffInvitation.supervisor_id == supervisor.id,
                StaffInvitation.email.in_(addresses),
            )
        )
    }
    sent = []
    for address in addresses:
        invitation = existing.get(address)
        if invitation is not None and invitation.accepted_at is not None:
            continue
        if invitation is None:
            try:
                with session.begin_nested():  # the same address invited twice at once
                    invitation = StaffInvitation(
                        supervisor_id=supervisor.id, email=address, program_slug=framework.slug
                    )
                    session.add(invitation)
            except IntegrityError as exc:
                raise Conflict(
                    f"{address} was invited at the same moment; see the list below."
                ) from exc
            action = AuditAction.STAFF_INVITED
        else:
            invitation.program_slug = framework.slug
            _bump(invitation)
            action = AuditAction.STAFF_INVITATION_RENEWED
        _send(session, supervisor, invitation, framework.name, settings, action)
        sent.append(invitation)
    return sent


def _bump(invitation: StaffInvitation) -> None:
    invitation.generation += 1
    invitation.issued_at = utcnow()


def renew_invitation(
    session: Session,
    supervisor: User,
    invitation_id: int,
    settings: StaffInvitationSettings,
) -> StaffInvitation:
    """Send `supervisor`'s invitation again with a new link (expired or not); earlier links
    stop working. NotFound for another supervisor's invitation; Conflict once accepted."""
    invitation = session.get(StaffInvitation, invitation_id, with_for_update=True)
    if invitation is None or invitation.supervisor_id != supervisor.id:
        raise NotFound("We could not find that invitation.")
    if invitation.accepted_at is not None:
        raise Conflict(f"{invitation.email} accepted this invitation already.")
    framework = get_framework(session, invitation.program_slug, include_drafts=False)
    if framework is None:
        raise Conflict("That program is no longer open for applications.")
    _bump(invitation)
    session.flush()
    _send(
        session,
        supervisor,
        invitation,
        framework.name,
        settings,
        AuditAction.STAFF_INVITATION_RENEWED,
    )
    return invitation


def _send(
    session: Session,
    supervisor: User,
    invitation: StaffInvitation,
    program: str,
    settings: StaffInvitationSettings,
    action: AuditAction,
) -> None:
    days = max(1, settings.max_age // 86400)
    link = settings.link(_token(settings, invitation))
    body = (
        "Hello,\n\n"
        f"{supervisor.name} invites you to apply to {program}, a certification for library "
        "support staff, and to let them follow your progress (never your evidence, unless you "
        "choose to share it).\n\n"
        f"Open this link to accept and start your application:\n\n{link}\n\n"
        f"The link works for {days} days. A newer invitation replaces this one."
    )
    queue(
        session,
        key=f"staff.invited:{invitation.id}:{invitation.generation}",
        to=invitation.email,
        kind=Kind.INVITATION,
        subject=f"{supervisor.name} invites you to apply to {program}",
        body=body,
    )
    audit.record(
        session,
        actor=supervisor,
        action=action,
        object_type="staff_invitation",
        object_id=invitation.id,
        details={"email": invitation.email, "generation": invitation.generation},
    )


def read_invitation(
    session: Session, settings: StaffInvitationSettings, token: str
) -> StaffInvitation:
    """The invitation a token names. InvalidLink when tampered with, expired, or replaced by a
    newer one (an old link is refused as replaced even once expired)."""
    serializer = _serializer(settings.secret_key)
    try:
        payload = serializer.loads(token, max_age=settings.max_age)
        expired = False
    except SignatureExpired as exc:
        payload, expired = exc.payload, True
        try:
            payload = serializer.load_payload(payload) if isinstance(payload, bytes) else None
        except BadSignature:
            payload = None
    except BadSignature as exc:
        raise InvalidLink(NOT_VALID) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise InvalidLink(NOT_VALID)
    invitation = session.get(StaffInvitation, payload["i"])
    if invitation is None or invitation.email != payload.get("e"):
        raise InvalidLink(NOT_VALID)
    if invitation.generation != payload.get("g"):
        raise InvalidLink(REPLACED)
    if expired:
        raise InvalidLink(
            "This invitation has expired. Ask your supervisor to send it again.", expired=True
        )
    return invitation


def accept_invitation(session: Session, invitation: StaffInvitation, user: User) -> None:
    """Link `user` (the invited address) to the supervisor who invited them. Forbidden for
    another address; accepting twice is harmless; InvalidLink once another account did."""
    if user.email.lower() != invitation.email:
        raise Forbidden(OTHER_ADDRESS)
    if invitation.accepted_at is not None:
        if invitation.candidate_id == user.id:
            return
        raise InvalidLink("This invitation was accepted already.")
    supervisor = session.get(User, invitation.supervisor_id)
    assert supervisor is not None  # a foreign key
    address = supervisor.email.lower()
    link = session.scalar(
        select(SupervisorLink).where(
            SupervisorLink.candidate_id == user.id, SupervisorLink.email == address
        )
    )
    if link is None:
        link = SupervisorLink(candidate_id=user.id, email=address)
        session.add(link)
    link.supervisor_id = supervisor.id
    link.accepted_at = link.accepted_at or utcnow()
    invitation.accepted_at = utcnow()
    invitation.candidate_id = user.id
    session.flush()
    audit.record(
        session,
        actor=user,
        action=AuditAction.STAFF_INVITATION_ACCEPTED,
        object_type="staff_invitation",
        object_id=invitation.id,
        details={"supervisor_id": supervisor.id, "supervisor_link_id": link.id},
    )


def invitations_of(session: Session, supervisor: User) -> list[StaffInvitation]:
    query = select(StaffInvitation).where(StaffInvitation.supervisor_id == supervisor.id)
    return list(session.scalars(query.order_by(StaffInvitation.issued_at.desc())))
