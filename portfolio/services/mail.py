"""Composing and sending one email: the only module that talks SMTP (services.outbox calls it).

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

DEFAULT_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    sender: str
    suppress_send: bool
    timeout: float = DEFAULT_TIMEOUT_SECONDS  # bounds every SMTP step, so a silent server ends

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
            timeout=float(config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS),
        )


def compose(
    settings: MailSettings,
    *,
    to: str,
    subject: str,
    body: str,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """A plain-text message from the configured sender. With `unsubscribe_url`, the one-click
    unsubscribe headers of RFC 8058: a mail program POSTs "List-Unsubscribe=One-Click" to it."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    if unsubscribe_url:
        # A URL has no space to fold at: at the default 78 columns the header would be sent as
        # encoded words, which mail programs do not read as a link. Headers may be 998 long.
        message.policy = message.policy.clone(max_line_length=998)
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


class MailError(Exception):
    """The message was not handed over. `server_down` when no message could be (connection
    refused, timed out, or dropped), rather than this one refused."""

    def __init__(self, message: str, *, server_down: bool) -> None:
        super().__init__(message)
        self.server_down = server_down


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand `message` to the mail server, or log it when sending is suppressed.

    Raises MailError when it was not handed over. Only services.outbox calls this: every email
    leaves through the outbox, after the commit, with retries.
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
        return
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
            if settings.use_tls:
                smtp.starttls()
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, OSError) as exc:
        raise MailError(_describe(exc), server_down=True) from exc
    except smtplib.SMTPException as exc:
        raise MailError(_describe(exc), server_down=False) from exc


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
