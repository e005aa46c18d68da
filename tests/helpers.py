"""Small helpers shared by tests: users, signing in without the form, CSRF tokens."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portfolio.models import Role, User, UserRole
from portfolio.models.base import utcnow

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
    password_hash: str = "!unusable",
    confirmed: bool = True,
) -> User:
    """A user straight in the database (tests of sign-in itself go through the forms)."""
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
