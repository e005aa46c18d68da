"""Administration pages are for administrators only."""

from __future__ import annotations

from portfolio.models import Role
from tests.helpers import login_as, make_user


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code in (302, 401, 403)


def test_non_admin_gets_403(client, session):
    login_as(client, make_user(session, roles=(Role.CANDIDATE, Role.REVIEWER)))
    response = client.get("/admin/")
    assert response.status_code == 403
    assert b"do not have access" in response.data


def test_admin_sees_the_admin_page(client, session):
    login_as(client, make_user(session, roles=(Role.ADMINISTRATOR,)))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"<h1>Administration</h1>" in response.data
