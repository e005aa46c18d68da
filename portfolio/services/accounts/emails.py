"""The words of every account email; each is queued in the outbox (sent after the commit)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portfolio.domain.notifications import Kind
from portfolio.models import User
from portfolio.services.notifications import notify
from portfolio.services.outbox import queue

SECURITY = Kind.ACCOUNT_SECURITY
ACCOUNT_PATH = "/account"
SIGNATURE = "\n\nIf you did not expect this message, you can ignore it.\n\n-- Portfolio\n"
# For news of a change already made: "ignore it" would contradict the advice to act at once.
ALERT_SIGNATURE = "\n\n-- Portfolio\n"


def _hours(seconds: int) -> str:
    hours = max(1, round(seconds / 3600))
    return "1 hour" if hours == 1 else f"{hours} hours"


def send_confirmation(session: Session, *, to: str, name: str, link: str, max_age: int) -> bool:
    body = (
        f"Hello {name},\n\n"
        "Please confirm your email address to finish creating your Portfolio account:\n\n"
        f"{link}\n\n"
        f"The link works for {_hours(max_age)}."
    )
    return queue(
        session,
        to=to,
        subject="Confirm your email address",
        body=body,
        signature=SIGNATURE,
        kind=SECURITY,
    )


def send_already_registered(session: Session, *, to: str, name: str, sign_in: str) -> bool:
    body = (
        f"Hello {name},\n\n"
        "Someone tried to create a Portfolio account with this email address, but you already "
        "have one. You can sign in here (and reset your password from that page if you have "
        f"forgotten it):\n\n{sign_in}"
    )
    return queue(
        session,
        to=to,
        subject="You already have an account",
        body=body,
        signature=SIGNATURE,
        kind=SECURITY,
    )


def send_password_reset(session: Session, *, to: str, name: str, link: str, max_age: int) -> bool:
    body = (
        f"Hello {name},\n\n"
        "To choose a new password for your Portfolio account, open this link:\n\n"
        f"{link}\n\n"
        f"The link works once, for {_hours(max_age)}."
    )
    return queue(
        session, to=to, subject="Reset your password", body=body, signature=SIGNATURE, kind=SECURITY
    )


def send_password_changed(session: Session, *, user: User) -> bool:
    body = (
        f"Hello {user.name},\n\n"
        "The password of your Portfolio account was just changed, and every other session was "
        "signed out. If this was not you, reset your password at once and tell an administrator."
    )
    return notify(
        session,
        user=user,
        kind=SECURITY,
        link=ACCOUNT_PATH,
        subject="Your password was changed",
        body=body,
        signature=ALERT_SIGNATURE,
    )


def send_name_changed_by_office(session: Session, *, user: User, before: str) -> bool:
    """The program office changed the person's name: they learn it from the office, with the
    old and new name (the office's written reason stays in the record)."""
    body = (
        f"Hello {user.name},\n\n"
        f"The program office changed the name on your Portfolio account from “{before}” to "
        f"“{user.name}”. It shows this way from now on, your certificate's page included. If "
        "this is not right, reply to the program office."
    )
    return notify(
        session,
        user=user,
        kind=SECURITY,
        link=ACCOUNT_PATH,
        subject="The name on your account was changed",
        body=body,
        signature=ALERT_SIGNATURE,
    )


def send_email_change_link(
    session: Session, *, to: str, name: str, link: str, max_age: int
) -> bool:
    body = (
        f"Hello {name},\n\n"
        "To make this the email address of your Portfolio account, open this link:\n\n"
        f"{link}\n\n"
        f"The link works for {_hours(max_age)}."
    )
    return queue(
        session,
        to=to,
        subject="Confirm your new email address",
        body=body,
        signature=SIGNATURE,
        kind=SECURITY,
    )


def send_address_in_use(session: Session, *, to: str) -> bool:
    body = (
        "Hello,\n\n"
        "Someone asked to move another Portfolio account to this email address. This address "
        "already belongs to an account, so nothing was changed."
    )
    return queue(
        session,
        to=to,
        subject="Email address already in use",
        body=body,
        signature=SIGNATURE,
        kind=SECURITY,
    )


def send_no_account(session: Session, *, to: str, asked_for: str, register: str) -> bool:
    body = (
        "Hello,\n\n"
        f"Someone asked Portfolio for {asked_for} for this email address, but no account uses "
        f"it. If that was you, create an account at {register}"
    )
    return queue(
        session,
        to=to,
        subject="No Portfolio account",
        body=body,
        signature=SIGNATURE,  # "If you did not expect this message, you can ignore it."
        kind=SECURITY,
    )


def send_already_confirmed(session: Session, *, to: str, name: str, sign_in: str) -> bool:
    body = (
        f"Hello {name},\n\n"
        "Someone asked for a new confirmation link for your Portfolio account, but your email "
        f"address is confirmed already. You can sign in at {sign_in}."
    )
    return queue(
        session,
        to=to,
        subject="Your address is confirmed already",
        body=body,
        signature=SIGNATURE,
        kind=SECURITY,
    )


def send_email_changed(session: Session, *, user: User, old_email: str) -> bool:
    """Told at the old address (the new one is the account's now)."""
    new_email = user.email
    body = (
        f"Hello {user.name},\n\n"
        f"The email address of your Portfolio account was changed to {new_email}. If this was "
        "not you, contact an administrator at once."
    )
    return notify(
        session,
        user=user,
        to=old_email,
        kind=SECURITY,
        link=ACCOUNT_PATH,
        subject="Your email address was changed",
        body=body,
        signature=ALERT_SIGNATURE,
    )
