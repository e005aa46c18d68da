"""Characters no column can store (NUL, other controls, lone surrogates) get a 400 everywhere.

The guard (web/input_guard.py) runs before every view, so these tests walk every route of the
app rather than trusting a list: a route added later is covered without anyone remembering to.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from werkzeug.routing import Rule

from portfolio.models import Role
from tests.helpers import csrf_token, login_as, make_user

REFUSED = ["\x00", "\x01", "\x1b", "\x7f"]
SAID = "contains a character we cannot store"
ALL_ROLES = (
    Role.CANDIDATE,
    Role.REVIEWER,
    Role.ADMINISTRATOR,
    Role.SUPERVISOR,
)


def _path(rule: Rule, text: str = "x") -> str:
    """The rule's URL with an id of 1 for numbers and `text` for every other argument."""

    def value(match: re.Match[str]) -> str:
        converter, _, _name = match.group(1).rpartition(":")
        return "1" if converter == "int" else text

    return re.sub(r"<([^>]+)>", value, rule.rule)


def _rules(app: Flask, method: str) -> list[Rule]:
    """Every rule answering `method`, but static files and the views whose body is a file."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if method in (rule.methods or ())
        and rule.endpoint != "static"
        and not getattr(app.view_functions[rule.endpoint], "_reads_raw_body", False)
    ]


def _message(response) -> str:  # type: ignore[no-untyped-def]
    if response.mimetype == "application/problem+json":  # the JSON API (RFC 9457)
        return str(response.get_json().get("detail", ""))
    if response.is_json:
        return str(response.get_json().get("message", ""))
    return response.get_data(as_text=True)


@pytest.fixture
def everyone(client, session):
    user = make_user(session, "all.roles@example.org", roles=ALL_ROLES)
    login_as(client, user)
    return client


def test_every_page_refuses_a_control_character_in_its_query(app, everyone):
    for rule in _rules(app, "GET"):
        for bad in REFUSED:
            response = everyone.get(_path(rule), query_string={"q": f"a{bad}b"})
            assert response.status_code == 400, (rule.rule, bad, response.status_code)
            assert SAID in _message(response), rule.rule


def test_every_address_with_a_text_part_refuses_a_control_character_in_it(app, everyone):
    rules = [r for r in _rules(app, "GET") if re.search(r"<(?!int:)[^>]+>", r.rule)]
    assert rules, "some routes take text in their address (e.g. /programs/<slug>/)"
    for rule in rules:
        response = everyone.get(_path(rule, "ls%00scp"))
        assert response.status_code == 400, rule.rule
        assert SAID in _message(response)


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_every_form_and_json_endpoint_refuses_a_control_character(app, everyone, method):
    token = csrf_token(everyone, "/")
    rules = _rules(app, method)
    assert len(rules) > (20 if method == "POST" else 0), "the walk must reach the endpoints"
    for rule in rules:
        path = _path(rule)
        form = everyone.open(
            path, method=method, data={"csrf_token": token, "name": "Pat\x00Example"}
        )
        assert form.status_code == 400, (method, rule.rule, "form", form.status_code)
        assert SAID in _message(form), rule.rule
        body = {"name": "report.pdf", "nested": [{"content_type": "text/plain\x00"}]}
        sent = everyone.open(
            path,
            method=method,
            data=json.dumps(body),
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert sent.status_code == 400, (method, rule.rule, "json", sent.status_code)
        assert SAID in _message(sent), rule.rule


def test_a_lone_surrogate_in_json_is_refused(everyone):
    token = csrf_token(everyone, "/")
    response = everyone.post(
        "/api/uploads",
        data='{"name": "a\\ud800.pdf", "size": 10}',
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert response.get_json()["field"] == "name"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/sign-in", {"email": "a\x00@example.org", "password": "anything at all"}),
        ("/register", {"email": "n@example.org", "name": "Nul\x00Name", "password": "x" * 20}),
    ],
)
def test_the_forms_seen_failing_on_postgresql_now_say_why(client, path, data):
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == 400
    assert SAID in response.get_data(as_text=True)


def test_the_searches_seen_failing_on_postgresql_now_say_why(client, session):
    login_as(client, make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,)))
    for path in ("/admin/users?q=%00", "/programs/ls%00scp/", "/me/applications/new?program=%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert SAID in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_ordinary_text(client, session):
    login_as(client, make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,)))
    response = client.get("/admin/users", query_string={"q": "Pat\tExample\r\n"})
    assert response.status_code == 200


def test_json_nested_too_deeply_to_parse_is_a_400_before_sign_in(client):
    token = csrf_token(client, "/sign-in")  # past the CSRF check, so the body is read
    response = client.post(
        "/api/uploads",
        data="[" * 100_000,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert "nests too deeply" in response.get_json()["message"]


def test_a_page_break_pasted_into_a_form_is_a_line_break(client, session):
    """A form feed or a vertical tab (from a PDF or a word processor) is not refused without
    JavaScript either: it arrives as a line feed, as the editors' scripts send it."""
    person = make_user(session, "zoe@example.org", name="Zoe Smtih")
    session.commit()
    login_as(client, person)
    token = csrf_token(client, "/account")
    sent = client.post("/account/name", data={"csrf_token": token, "name": "Zoe\x0cSmith\x0b"})
    assert sent.status_code == 302
    session.refresh(person)
    assert person.name == "Zoe Smith"
    nul = client.post("/account/name", data={"csrf_token": token, "name": "Zoe\x00Smith"})
    assert nul.status_code == 400 and SAID in _message(nul)
