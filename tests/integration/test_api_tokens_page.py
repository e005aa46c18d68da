"""The account page where a person makes and revokes their API tokens; the OpenAPI document
and the docs page."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from portfolio.models import ApiToken, AuditEvent, Role
from tests.helpers import DEFAULT_PASSWORD, csrf_token, login_as, make_user

TOKEN = re.compile(r'id="new-token"[^>]*value="(pat_[^"]+)"')


def _make(client, **data):
    token = csrf_token(client, "/account/tokens")
    return client.post("/account/tokens", data={"csrf_token": token, **data})


def test_a_token_is_shown_once_stored_hashed_works_and_can_be_revoked(client, session):
    user = make_user(session, "tess@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, user)
    response = _make(client, name="My script", scopes=["read:applications"], lifetime="30")
    assert response.status_code == 200
    secret = TOKEN.search(response.get_data(as_text=True)).group(1)
    row = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert secret not in (row.token_hash, row.shown_prefix) and len(row.token_hash) == 64
    # Shown once: the page never shows it again.
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["scopes"] == ["read:applications"]
    revoke = client.post(
        f"/account/tokens/{row.id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert revoke.status_code == 302
    again = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "api_token")
    )
    assert sorted(actions) == ["account.api_token_created", "account.api_token_revoked"]


def test_scopes_beyond_the_persons_roles_are_refused(client, session):
    user = make_user(session, "cora@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, user)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "read:reports" not in page and "read:applications" in page
    response = _make(client, name="Sneaky", scopes=["read:reports"], lifetime="30")
    assert response.status_code == 422
    assert "Your roles do not allow" in response.get_data(as_text=True)
    assert session.scalar(select(ApiToken).where(ApiToken.user_id == user.id)) is None


@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.REVIEWER, Role.ADMINISTRATOR])
def test_the_write_scope_is_offered_to_everyone_and_listed_on_the_token(client, session, role):
    user = make_user(session, "wren@example.org", roles=(role,))
    session.commit()
    login_as(client, user)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="write:portfolio"' in page
    assert "Edit your portfolio&#39;s narratives and learning statement" in page
    made = _make(client, name="Sync", scopes=["read:portfolio", "write:portfolio"], lifetime="30")
    assert made.status_code == 200
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert "read:portfolio, write:portfolio" in listed
    secret = TOKEN.search(made.get_data(as_text=True)).group(1)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["scopes"] == ["read:portfolio", "write:portfolio"]


def test_bad_names_and_lifetimes_are_field_errors(client, session):
    user = make_user(session, "nia@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, user)
    for data in (
        {"name": "", "scopes": ["read:applications"], "lifetime": "30"},
        {"name": "x", "scopes": ["read:applications"], "lifetime": "99999999999"},
        {"name": "x", "lifetime": "30"},
        {"name": "x" * 101, "scopes": ["read:applications"], "lifetime": "30"},
    ):
        assert _make(client, **data).status_code == 422, data


def test_nobody_revokes_another_persons_token(client, session):
    owner = make_user(session, "own@example.org", roles=(Role.CANDIDATE,))
    other = make_user(session, "oth@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, owner)
    _make(client, name="Mine", scopes=["read:applications"], lifetime="7")
    row = session.scalars(select(ApiToken)).one()
    login_as(client, other)
    response = client.post(
        f"/account/tokens/{row.id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert response.status_code == 404
    session.refresh(row)
    assert row.revoked_at is None


def test_the_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    validate(document)
    assert "/api/v1/applications" in document["paths"]
    problem = document["paths"]["/api/v1/applications"]["get"]["responses"]["404"]["content"]
    assert list(problem) == ["application/problem+json"]
    edit = document["paths"]["/api/v1/portfolio/entries/{entry_id}"]["put"]
    assert edit["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NarrativeEdit"
    }
    assert {"200", "400", "401", "403", "404", "409", "422"} <= set(edit["responses"])
    assert "version" in document["components"]["schemas"]["EntryOut"]["required"]
    statement = document["paths"]["/api/v1/portfolios/{portfolio_id}/learning-statement"]["put"]
    assert statement["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StatementEdit"
    }
    assert {"200", "400", "401", "403", "404", "409", "422"} <= set(statement["responses"])
    assert "version" in document["components"]["schemas"]["PortfolioOut"]["required"]


def test_the_docs_page_lists_every_operation(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    for path in ("/api/v1/applications", "/api/v1/review-assignments/{assignment_id}"):
        assert path in text
    assert "PUT /api/v1/portfolio/entries/{entry_id}" in text
    assert "Scope: write:portfolio" in text
    assert 'Body: <code>application/json</code>, <a href="#schema-NarrativeEdit">' in text
    assert 'id="schema-NarrativeEdit"' in text and "at most 50,000 characters" in text
    assert "PUT /api/v1/portfolios/{portfolio_id}/learning-statement" in text
    assert 'id="schema-StatementEdit"' in text and "at most 20,000 characters" in text
    assert "<table" in text and "Problem" in text
    # A problem's `type` points at its explanation on this page.
    missing = client.get("/api/v1/nothing-here").get_json(force=True)
    assert missing["type"].endswith("/api/v1/docs#problem-not-found")
    assert 'id="problem-not-found"' in text


def test_changing_the_password_revokes_every_token(client, session):
    """Whoever held the account before the change may have made a token: it stops working."""
    user = make_user(
        session, "tess@example.org", roles=(Role.CANDIDATE,), password=DEFAULT_PASSWORD
    )
    session.commit()
    login_as(client, user)
    made = _make(client, name="My script", scopes=["read:applications"], lifetime="30")
    secret = TOKEN.search(made.get_data(as_text=True)).group(1)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    new = "reading rooms open at nine"
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(client, "/account"),
            "current_password": DEFAULT_PASSWORD,
            "new_password": new,
            "confirm_password": new,
        },
    )
    assert changed.status_code == 302
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    session.expire_all()
    assert session.scalars(select(ApiToken.revoked_at)).one() is not None
