"""Composing and sending email: the only module that talks SMTP.

In development (MAIL_SUPPRESS_SEND) messages are written to the log instead, links included.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    sender: str
    suppress_send: bool

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """The MAIL_* values of an app config."""
        return cls(
            server=str(config["MAIL_SERVER"]),
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config.get("MAIL_USE_TLS", False)),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=str(config["MAIL_DEFAULT_SENDER"]),
            suppress_send=bool(config.get("MAIL_SUPPRESS_SEND", False)),
        )


def compose(settings: MailSettings, *, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from the configured sender."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def send(settings: MailSettings, message: EmailMessage) -> bool:
    """Send `message`, or log it when sending is suppressed. True when it was handed over.

    A mail server that is down or refuses the message is logged, not raised: account emails
    can always be asked for again, and the page the person sees must not depend on SMTP.
    """
    if settings.suppress_send:
        # A warning, so it shows in a development console without any logging set-up.
        # The decoded body, so long links are not broken by quoted-printable line wrapping.
        log.warning(
            "Email not sent (MAIL_SUPPRESS_SEND is on)\nTo: %s\nSubject: %s\n\n%s",
            message["To"],
            message["Subject"],
            message.get_content(),
        )
        return True
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if settings.use_tls:
                smtp.starttls()
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError):
        log.exception("Could not send email %r to %s", message["Subject"], message["To"])
        return False
    return True


def send_email(settings: MailSettings, *, to: str, subject: str, body: str) -> bool:
    """Compose and send in one call."""
    return send(settings, compose(settings, to=to, subject=subject, body=body))
