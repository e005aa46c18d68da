"""Every framework administration page and action is for administrators only."""

from __future__ import annotations

import pytest

from portfolio.models import Role
from portfolio.services.programs.documents import export_document
from portfolio.services.programs.versions import import_framework
from tests.framework_documents import small_document
from tests.helpers import csrf_token, login_as, make_user


def framework_routes(app) -> list[tuple[str, str]]:
    """(method, endpoint) of every framework route of the admin blueprint."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.framework"):
            routes.extend(
                (method, rule.endpoint) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
            )
    return sorted(routes)


def test_the_route_list_covers_the_editor(app):
    endpoints = {endpoint for _method, endpoint in framework_routes(app)}
    assert {"admin.frameworks", "admin.framework", "admin.framework_publish"} <= endpoints
    assert len(framework_routes(app)) >= 20


@pytest.fixture
def framework(session):
    framework = import_framework(session, small_document(), actor=None).framework
    session.commit()
    return framework


def url_for_route(app, endpoint: str, framework) -> str:
    competency_set = framework.sets[0]
    values = {
        "framework_id": framework.id,
        "set_id": competency_set.id,
        "competency_id": competency_set.competencies[0].id,
    }
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


@pytest.mark.parametrize(
    "roles",
    [(), (Role.CANDIDATE,), (Role.REVIEWER, Role.SUPERVISOR)],
    ids=["no role", "candidate", "reviewer and supervisor"],
)
def test_non_administrators_get_403_everywhere(app, client, session, framework, roles):
    login_as(client, make_user(session, roles=roles))
    session.commit()
    before = export_document(framework)
    token = csrf_token(client, "/")  # the sign-out form of the page header
    for method, endpoint in framework_routes(app):
        url = url_for_route(app, endpoint, framework)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "direction": "up"})
        assert response.status_code == 403, f"{method} {url}"
        assert b"do not have access" in response.data
    session.expire_all()
    assert export_document(framework) == before


def test_anonymous_visitors_are_sent_to_sign_in(client, framework):
    response = client.get(f"/admin/frameworks/{framework.id}/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
