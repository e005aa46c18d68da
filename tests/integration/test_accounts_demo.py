"""`flask demo`: one confirmed account per role, idempotent, never in production."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portfolio.commands.demo import DEMO_ACCOUNTS
from portfolio.domain.accounts.passwords import password_problems
from portfolio.models import AuditEvent, User, UserRole
from tests.helpers import sign_in


def counts(session):
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (User, UserRole, AuditEvent)
    )


def run_demo(app):
    return app.test_cli_runner().invoke(args=["demo"])


def test_demo_creates_one_confirmed_account_per_role(app, session):
    result = run_demo(app)
    assert result.exit_code == 0, result.output
    for email, _name, role, password in DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.email == email))
        assert user.role_names == {role}
        assert user.is_confirmed
        assert email in result.output and password in result.output
    assert f"{len(DEMO_ACCOUNTS)} created" in result.output


def test_a_second_run_changes_nothing(app, session):
    assert run_demo(app).exit_code == 0
    before = counts(session)
    hashes = dict(session.execute(select(User.email, User.password_hash)).all())
    second = run_demo(app)
    assert second.exit_code == 0
    assert f"0 created, {len(DEMO_ACCOUNTS)} already there" in second.output
    assert counts(session) == before
    assert dict(session.execute(select(User.email, User.password_hash)).all()) == hashes


def test_demo_accounts_sign_in_with_the_printed_passwords(app, client, session):
    assert run_demo(app).exit_code == 0
    for email, _name, _role, password in DEMO_ACCOUNTS:
        assert sign_in(client, email, password).status_code == 302
        client.delete_cookie("session")


def test_every_demo_password_passes_the_policy():
    for email, name, _role, password in DEMO_ACCOUNTS:
        assert password_problems(password, email=email, name=name) == [], email


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("ENV_NAME", "production", "in production"), ("DEMO_ALLOWED", False, "DEMO_ALLOWED is off")],
)
def test_demo_refuses_to_run(app, session, monkeypatch, key, value, message):
    monkeypatch.setitem(app.config, key, value)
    before = counts(session)
    result = run_demo(app)
    assert result.exit_code != 0
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert counts(session) == before
