"""Accounts: registration, confirmation, sign-in, passwords, email changes and roles.

Nothing here tells a stranger whether an email address is registered: the functions a stranger
can reach return nothing, and the emails go to the address's owner. Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from portfolio.domain.accounts.names import clean_name
from portfolio.domain.accounts.passwords import check_password
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict, Forbidden, InvalidInput
from portfolio.models import ApiToken, Role, User, UserRole
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.accounts import emails as account_emails
from portfolio.services.accounts.hashing import (
    hash_password,
    needs_rehash,
    spend_verification_time,
    verify_password,
)
from portfolio.services.accounts.tokens import (
    NOT_VALID,
    InvalidLink,
    Purpose,
    fingerprint,
    read,
    sign,
)

WRONG_CREDENTIALS = "The email address or password is not right."
NOT_CONFIRMED = "Please confirm your email address first: open the link we emailed you."


@dataclass(frozen=True)
class AccountSettings:
    """What account emails and links need from the app's configuration."""

    secret_key: str
    email_token_max_age: int
    reset_token_max_age: int
    link: Callable[[Purpose, str], str]  # (purpose, token) -> absolute URL of the page
    sign_in_url: str
    register_url: str = ""  # "" (tests): the emails point to sign_in_url instead

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        *,
        link: Callable[[Purpose, str], str],
        sign_in_url: str,
        register_url: str = "",
    ) -> AccountSettings:
        return cls(
            secret_key=str(config["SECRET_KEY"]),
            email_token_max_age=int(config["EMAIL_TOKEN_MAX_AGE"]),
            reset_token_max_age=int(config["RESET_TOKEN_MAX_AGE"]),
            link=link,
            sign_in_url=sign_in_url,
            register_url=register_url,
        )


class EmailNotConfirmed(Forbidden):
    """Right password, but the address was never confirmed (shown only to who knows both)."""


def normalize_email(email: str) -> str:
    """The form an address is stored and looked up in."""
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def end_sessions(user: User) -> None:
    """End every session and remember cookie of `user` (they carry the old epoch), and revoke
    their live API tokens: whoever held the account before a password change or reset may
    have made one, and it must not outlive the change."""
    user.session_epoch += 1
    session = object_session(user)
    if session is not None and user.id is not None:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def create_account(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    roles: tuple[Role, ...] = (Role.CANDIDATE,),
    confirmed: bool = False,
    actor: User | None = None,
    source: str = "registration",
) -> User:
    """A new account holding `roles`. Raises InvalidInput (password) or Conflict (email taken)."""
    email = normalize_email(email)
    check_password(password, email=email, name=name)
    user = User(
        email=email,
        name=clean_name(name),
        password_hash=hash_password(password),
        email_confirmed_at=utcnow() if confirmed else None,
    )
    user.roles = [UserRole(role=role, granted_by_id=actor.id if actor else None) for role in roles]
    try:
        with session.begin_nested():  # two registrations racing for one address
            session.add(user)
    except IntegrityError as exc:
        raise Conflict("An account with this email address exists.", field="email") from exc
    audit.record(
        session,
        actor=actor or user,
        action=AuditAction.ACCOUNT_CREATED,
        object_type="user",
        object_id=user.id,
        details={"source": source, "roles": sorted(role.value for role in roles)},
    )
    return user


def register(
    session: Session, settings: AccountSettings, *, email: str, name: str, password: str
) -> None:
    """Create a candidate account and email a confirmation link; for a taken address, email its
    owner a note instead. Either way the caller learns nothing. Raises InvalidInput (name or
    password), whether or not the address is taken."""
    name = clean_name(name)
    check_password(password, email=normalize_email(email), name=name)
    existing = find_by_email(session, email)
    if existing is not None:
        hash_password(password)  # the same work as a new account, so timing tells nothing
        account_emails.send_already_registered(
            session, to=existing.email, name=existing.name, sign_in=settings.sign_in_url
        )
        return
    try:
        user = create_account(session, email=email, name=name, password=password)
    except Conflict:
        return  # lost a race with an identical registration: that one sends the email
    send_confirmation(session, settings, user)


def send_confirmation(session: Session, settings: AccountSettings, user: User) -> None:
    """Queue a confirmation link for `user`'s address (it leaves after the commit)."""
    token = sign(settings.secret_key, Purpose.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})
    account_emails.send_confirmation(
        session,
        to=user.email,
        name=user.name,
        link=settings.link(Purpose.CONFIRM_EMAIL, token),
        max_age=settings.email_token_max_age,
    )


def _no_account(session: Session, settings: AccountSettings, email: str, *, asked_for: str) -> None:
    """Tell the typed address that no account uses it (the same work as a real link)."""
    account_emails.send_no_account(
        session,
        to=normalize_email(email),
        asked_for=asked_for,
        register=settings.register_url or settings.sign_in_url,
    )


def resend_confirmation(session: Session, settings: AccountSettings, email: str) -> None:
    """Email a new confirmation link when the address has an unconfirmed account; otherwise an
    email saying why there is none. Every case queues one email and nothing is sent during the
    request, so neither the page nor its timing tells a stranger whether the account exists."""
    user = find_by_email(session, email)
    if user is None:
        _no_account(session, settings, email, asked_for="a new confirmation link")
    elif user.is_confirmed:
        account_emails.send_already_confirmed(
            session, to=user.email, name=user.name, sign_in=settings.sign_in_url
        )
    else:
        send_confirmation(session, settings, user)


def confirm_email(session: Session, settings: AccountSettings, token: str) -> User:
    """Mark the address in the token confirmed. Raises InvalidLink (expired, bad or used)."""
    payload = read(settings.secret_key, Purpose.CONFIRM_EMAIL, token, settings.email_token_max_age)
    user = session.get(User, payload.get("uid", 0))
    if user is None or user.email != payload.get("email"):
        raise InvalidLink(NOT_VALID)
    if user.is_confirmed:
        raise InvalidLink("This link was used already: your email address is confirmed.")
    user.email_confirmed_at = utcnow()
    audit.record(
        session,
        actor=user,
        action=AuditAction.ACCOUNT_EMAIL_CONFIRMED,
        object_type="user",
        object_id=user.id,
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """The account these credentials open. Raises InvalidInput (same message whether the address
    is unknown or the password wrong) or EmailNotConfirmed (only after a right password)."""
    user = find_by_email(session, email)
    if user is None:
        spend_verification_time(password)
        raise InvalidInput(WRONG_CREDENTIALS)
    if not verify_password(user.password_hash, password):
        raise InvalidInput(WRONG_CREDENTIALS)
    if not user.is_confirmed:
        raise EmailNotConfirmed(NOT_CONFIRMED)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    session.flush()
    return user


def request_password_reset(session: Session, settings: AccountSettings, email: str) -> None:
    """Email a single-use reset link when the address has an account; otherwise an email saying
    no account uses it (one email either way: see resend_confirmation)."""
    user = find_by_email(session, email)
    if user is None:
        _no_account(session, settings, email, asked_for="a password reset link")
        return
    payload = {"uid": user.id, "pw": fingerprint(user.password_hash)}
    token = sign(settings.secret_key, Purpose.RESET_PASSWORD, payload)
    account_emails.send_password_reset(
        session,
        to=user.email,
        name=user.name,
        link=settings.link(Purpose.RESET_PASSWORD, token),
        max_age=settings.reset_token_max_age,
    )


def user_for_reset(session: Session, settings: AccountSettings, token: str) -> User:
    """The account a reset link is for. Raises InvalidLink: expired, bad, or used (the password
    changed since the link was made, so the fingerprint in it no longer matches)."""
    payload = read(settings.secret_key, Purpose.RESET_PASSWORD, token, settings.reset_token_max_age)
    user = session.get(User, payload.get("uid", 0))
    if user is None or payload.get("pw") != fingerprint(user.password_hash):
        raise InvalidLink(NOT_VALID)
    return user


def reset_password(session: Session, settings: AccountSettings, token: str, password: str) -> User:
    """Set a new password from a reset link and end every session of the account."""
    user = user_for_reset(session, settings, token)
    check_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()  # the link reached the inbox: the address is real
    end_sessions(user)
    audit.record(
        session,
        actor=user,
        action=AuditAction.ACCOUNT_PASSWORD_RESET,
        object_type="user",
        object_id=user.id,
    )
    account_emails.send_password_changed(session, user=user)
    return user


def change_password(
    session: Session, settings: AccountSettings, user: User, *, current: str, new: str
) -> None:
    """Replace the password of a signed-in person and end their other sessions.

    Raises InvalidInput on field current_password or new_password."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput("Your current password is not right.", field="current_password")
    try:
        check_password(new, email=user.email, name=user.name)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="new_password") from exc
    if verify_password(user.password_hash, new):
        raise InvalidInput("Choose a password you are not using now.", field="new_password")
    user.password_hash = hash_password(new)
    end_sessions(user)
    audit.record(
        session,
        actor=user,
        action=AuditAction.ACCOUNT_PASSWORD_CHANGED,
        object_type="user",
        object_id=user.id,
    )
    account_emails.send_password_changed(session, user=user)


def request_email_change(
    session: Session, settings: AccountSettings, user: User, *, new_email: str, password: str
) -> None:
    """Email a confirmation link to `new_email`; nothing changes until it is opened.

    A taken address gets a note instead, so the page cannot be used to probe for accounts.
    Raises InvalidInput on field password or new_email.
    """
    if not verify_password(user.password_hash, password):
        raise InvalidInput("Your password is not right.", field="password")
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise InvalidInput("This is already your email address.", field="new_email")
    if find_by_email(session, new_email) is not None:
        account_emails.send_address_in_use(session, to=new_email)
        return
    payload = {"uid": user.id, "old": user.email, "new": new_email}
    token = sign(settings.secret_key, Purpose.CHANGE_EMAIL, payload)
    account_emails.send_email_change_link(
        session,
        to=new_email,
        name=user.name,
        link=settings.link(Purpose.CHANGE_EMAIL, token),
        max_age=settings.email_token_max_age,
    )


def confirm_email_change(session: Session, settings: AccountSettings, token: str) -> User:
    """Move the account to the new address in the token and tell the old address.

    Raises InvalidLink (expired, bad, or used: the account no longer has the old address) or
    Conflict (another account took the new address meanwhile).
    """
    payload = read(settings.secret_key, Purpose.CHANGE_EMAIL, token, settings.email_token_max_age)
    user = session.get(User, payload.get("uid", 0))
    old, new = payload.get("old"), payload.get("new")
    if user is None or not isinstance(new, str) or user.email != old:
        raise InvalidLink(NOT_VALID)
    if find_by_email(session, new) is not None:
        raise Conflict("Another account uses this email address now, so nothing was changed.")
    user.email = new
    user.email_confirmed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=user,
        action=AuditAction.ACCOUNT_EMAIL_CHANGED,
        object_type="user",
        object_id=user.id,
        details={"old": old, "new": new},
    )
    account_emails.send_email_changed(session, user=user, old_email=old)
    return user
