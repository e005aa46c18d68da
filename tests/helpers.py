"""Small helpers shared by tests: users, signing in with or without the forms, CSRF tokens,
the test SMTP server's mailbox."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes
from email.message import Message
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portfolio.models import OutboxMessage, OutboxStatus, Role, User, UserRole
from portfolio.models.base import utcnow
from portfolio.services.accounts.hashing import hash_password

DEFAULT_PASSWORD = "a long and unusual passphrase"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on the page at `url`."""
    page = client.get(url)
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def make_user(
    session: Session,
    email: str = "person@example.org",
    *,
    name: str = "Pat Example",
    roles: tuple[Role, ...] = (),
    password_hash: str = "!unusable",  # noqa: S107 - no password matches it
    password: str | None = None,
    confirmed: bool = True,
) -> User:
    """A user straight in the database (tests of sign-in itself go through the forms).

    With `password`, the account gets a real hash of it (the app's own hasher) and can sign in.
    """
    if password is not None:
        password_hash = hash_password(password)
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    user.roles = [UserRole(role=role) for role in roles]
    session.add(user)
    session.flush()
    return user


def login_as(client: FlaskClient, user: User) -> None:
    """Sign `user` in on `client` by writing the session Flask-Login reads."""
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def post_form(
    client: FlaskClient,
    url: str,
    data: dict[str, object],
    *,
    page: str | None = None,
    follow_redirects: bool = False,
) -> TestResponse:
    """POST `data` to `url` with the CSRF token of the form on `page` (default: `url`)."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow_redirects)


def register(
    client: FlaskClient,
    email: str = "new.person@example.org",
    *,
    name: str = "New Person",
    password: str = DEFAULT_PASSWORD,
    confirm_password: str | None = None,
    follow_redirects: bool = False,
) -> TestResponse:
    """Fill in the real registration form."""
    data = {
        "email": email,
        "name": name,
        "password": password,
        "confirm_password": password if confirm_password is None else confirm_password,
    }
    return post_form(client, "/register", data, follow_redirects=follow_redirects)


def sign_in(
    client: FlaskClient,
    email: str,
    password: str,
    *,
    remember: bool = False,
    next_page: str | None = None,
    follow_redirects: bool = False,
) -> TestResponse:
    """Fill in the real sign-in form (with ?next= when given)."""
    url = "/sign-in" if next_page is None else f"/sign-in?next={next_page}"
    data: dict[str, object] = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return post_form(client, url, data, page="/sign-in", follow_redirects=follow_redirects)


def sign_out(client: FlaskClient) -> TestResponse:
    """Press the Sign out button of the page header."""
    return post_form(client, "/sign-out", {}, page="/")


def free_port() -> int:
    """A loopback port nothing listens on now (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address.lower() in m["X-Envelope-To"].lower()]

    @staticmethod
    def body(message: Message) -> str:
        if message.is_multipart():
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    return str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]
        return str(message.get_payload(decode=True).decode())  # type: ignore[union-attr]


LINK = re.compile(r"https?://\S+")


def link_in(message: Message) -> str:
    """The path (and query) of the first link in an email, ready for client.get."""
    match = LINK.search(Mailbox.body(message))
    assert match, "no link in the message"
    parts = urlsplit(match.group(0))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def pending_emails(session: Session) -> list[OutboxMessage]:
    """Emails in the outbox that have not gone out yet, oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    return list(session.scalars(query.order_by(OutboxMessage.id)))
