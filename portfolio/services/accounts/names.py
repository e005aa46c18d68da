"""Changing a person's name: by themselves until a certificate carries it, by the program
office at any time with a written reason. Audited with the name before and after."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portfolio.domain.accounts.names import ON_A_CERTIFICATE, clean_name
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict
from portfolio.domain.reasons import written_reason
from portfolio.models import Certificate, User
from portfolio.services import audit
from portfolio.services.accounts import emails as account_emails


def holds_a_certificate(session: Session, user: User) -> bool:
    return bool(session.scalar(select(exists().where(Certificate.user_id == user.id))))


def change_own_name(session: Session, user: User, new_name: object) -> str:
    """The person's new name. InvalidInput (field "name") for a blank or long one; Conflict when
    it is already their name, or when a certificate carries their name (the office changes it)."""
    name = clean_name(new_name)
    if holds_a_certificate(session, user):
        raise Conflict(ON_A_CERTIFICATE, field="name")
    _change(session, user, name, actor=user, reason="")
    return name


def change_name_for(
    session: Session, person: User, new_name: object, *, actor: User, reason: str
) -> str:
    """The program office changes `person`'s name (a typo, a legal change), with a written
    reason (field "reason"); their certificate's page shows the new name from then on, and
    they are told (an email and a notification, sent after the commit)."""
    name = clean_name(new_name)
    why = written_reason(reason)
    before = person.name
    _change(session, person, name, actor=actor, reason=why)
    if actor.id != person.id:
        account_emails.send_name_changed_by_office(session, user=person, before=before)
    return name


def _change(session: Session, user: User, name: str, *, actor: User, reason: str) -> None:
    if name == user.name:
        raise Conflict("That is the name on the account already.", field="name")
    before = user.name
    user.name = name
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ACCOUNT_NAME_CHANGED,
        object_type="user",
        object_id=user.id,
        details={"from": before, "to": name} | ({"reason": reason} if reason else {}),
    )
