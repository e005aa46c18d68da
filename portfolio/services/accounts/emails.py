"""The words of every account email; sending goes through services.mail."""

from __future__ import annotations

from portfolio.services.mail import MailSettings, send_email

SIGNATURE = "\n\nIf you did not expect this message, you can ignore it.\n\n-- Portfolio\n"


def _hours(seconds: int) -> str:
    hours = max(1, round(seconds / 3600))
    return "1 hour" if hours == 1 else f"{hours} hours"


def send_confirmation(mail: MailSettings, *, to: str, name: str, link: str, max_age: int) -> bool:
    body = (
        f"Hello {name},\n\n"
        "Please confirm your email address to finish creating your Portfolio account:\n\n"
        f"{link}\n\n"
        f"The link works for {_hours(max_age)}."
    )
    return send_email(mail, to=to, subject="Confirm your email address", body=body + SIGNATURE)


def send_already_registered(mail: MailSettings, *, to: str, name: str, sign_in: str) -> bool:
    body = (
        f"Hello {name},\n\n"
        "Someone tried to create a Portfolio account with this email address, but you already "
        "have one. You can sign in here (and reset your password from that page if you have "
        f"forgotten it):\n\n{sign_in}"
    )
    return send_email(mail, to=to, subject="You already have an account", body=body + SIGNATURE)


def send_password_reset(mail: MailSettings, *, to: str, name: str, link: str, max_age: int) -> bool:
    body = (
        f"Hello {name},\n\n"
        "To choose a new password for your Portfolio account, open this link:\n\n"
        f"{link}\n\n"
        f"The link works once, for {_hours(max_age)}."
    )
    return send_email(mail, to=to, subject="Reset your password", body=body + SIGNATURE)


def send_password_changed(mail: MailSettings, *, to: str, name: str) -> bool:
    body = (
        f"Hello {name},\n\n"
        "The password of your Portfolio account was just changed, and every other session was "
        "signed out. If this was not you, reset your password at once and tell an administrator."
    )
    return send_email(mail, to=to, subject="Your password was changed", body=body + SIGNATURE)


def send_email_change_link(
    mail: MailSettings, *, to: str, name: str, link: str, max_age: int
) -> bool:
    body = (
        f"Hello {name},\n\n"
        "To make this the email address of your Portfolio account, open this link:\n\n"
        f"{link}\n\n"
        f"The link works for {_hours(max_age)}."
    )
    return send_email(mail, to=to, subject="Confirm your new email address", body=body + SIGNATURE)


def send_address_in_use(mail: MailSettings, *, to: str) -> bool:
    body = (
        "Hello,\n\n"
        "Someone asked to move another Portfolio account to this email address. This address "
        "already belongs to an account, so nothing was changed."
    )
    return send_email(mail, to=to, subject="Email address already in use", body=body + SIGNATURE)


def send_email_changed(mail: MailSettings, *, to: str, name: str, new_email: str) -> bool:
    body = (
        f"Hello {name},\n\n"
        f"The email address of your Portfolio account was changed to {new_email}. If this was "
        "not you, contact an administrator at once."
    )
    return send_email(mail, to=to, subject="Your email address was changed", body=body + SIGNATURE)
