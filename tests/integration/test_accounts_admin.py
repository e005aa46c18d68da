"""Administrators list people and grant or revoke roles; everyone else gets 403."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event, select

from portfolio.extensions import db
from portfolio.models import AuditEvent, Role
from tests.helpers import csrf_token, login_as, make_user, post_form


@pytest.fixture
def admin(client, session):
    user = make_user(session, "boss@example.org", name="Bea Boss", roles=(Role.ADMINISTRATOR,))
    login_as(client, user)
    return user


def role_events(session, user):
    query = (
        select(AuditEvent)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id))
        .where(AuditEvent.action.in_(["account.role_granted", "account.role_revoked"]))
        .order_by(AuditEvent.id)
    )
    return session.scalars(query).all()


def test_the_list_shows_people_with_their_roles(client, session, admin):
    make_user(session, "rev@example.org", name="Rita Reviewer", roles=(Role.REVIEWER,))
    page = client.get("/admin/users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>People and roles</h1>" in html
    assert "Rita Reviewer" in html and "rev@example.org" in html
    assert 'Revoke<span class="visually-hidden"> reviewer from Rita Reviewer' in html


def test_search_finds_by_name_or_email_in_any_case(client, session, admin):
    make_user(session, "zed@example.org", name="Zora Zed")
    make_user(session, "other@example.org", name="Otto Other")
    by_name = client.get("/admin/users?q=zORA").get_data(as_text=True)
    assert "zed@example.org" in by_name and "other@example.org" not in by_name
    by_email = client.get("/admin/users?q=OTHER@").get_data(as_text=True)
    assert "other@example.org" in by_email and "zed@example.org" not in by_email


def test_search_treats_wildcards_as_text(client, session, admin):
    make_user(session, "plain@example.org", name="Plain Person")
    html = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "plain@example.org" not in html


def test_the_list_is_paginated(client, session, admin):
    for n in range(30):
        make_user(session, f"person{n:02d}@example.org", name=f"Person {n:02d}")
    first = client.get("/admin/users").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Next page" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and "person29@example.org" in second
    assert "person29@example.org" not in first


def test_a_page_past_the_end_shows_the_last_page(client, session, admin):
    assert client.get("/admin/users?page=999").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "The page number must be a whole number from 1 to 100,000."),
        ("page=-1", "The page number must be a whole number from 1 to 100,000."),
        ("page=abc", "The page number must be a whole number from 1 to 100,000."),
        ("page=" + "9" * 50, "The page number must be a whole number from 1 to 100,000."),
        ("per_page=0", "Rows per page must be a whole number from 1 to 100."),
        ("per_page=-1", "Rows per page must be a whole number from 1 to 100."),
        ("per_page=1000000000", "Rows per page must be a whole number from 1 to 100."),
        ("sort=password_hash", "This list cannot be sorted by “password_hash”."),
        ("role=emperor", "“emperor” is not one of the choices for Role"),
        ("q=" + "x" * 10_000, "Search for at most 200 characters."),
    ],
)
def test_what_the_list_does_not_offer_is_a_clear_400(client, session, admin, query, message):
    session.commit()  # the admin stays when a refused request rolls back
    for url in (f"/admin/users?{query}", f"/admin/users?{query}&format=csv"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in response.get_data(as_text=True)


def test_people_are_filtered_by_role_and_sorted(client, session, admin):
    make_user(session, "zed@example.org", name="Ann Zed", roles=(Role.REVIEWER,))
    make_user(session, "amy@example.org", name="Zoe Amy")
    reviewers = client.get("/admin/users?role=reviewer").get_data(as_text=True)
    assert "zed@example.org" in reviewers and "amy@example.org" not in reviewers
    by_name = client.get("/admin/users?sort=name&order=asc").get_data(as_text=True)
    assert by_name.index("Ann Zed") < by_name.index("Zoe Amy")
    by_email = client.get("/admin/users?sort=email&order=asc").get_data(as_text=True)
    assert by_email.index("amy@example.org") < by_email.index("zed@example.org")


def test_the_people_export_has_the_filtered_rows_and_no_formulas(client, session, admin):
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]
    for n, name in enumerate(hostile):
        make_user(session, f"h{n}@example.org", name=name, roles=(Role.CANDIDATE,))
    make_user(session, "plain@example.org", name="Plain Person", roles=(Role.REVIEWER,))
    response = client.get("/admin/users?format=csv&role=candidate&per_page=2")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[0] == ["Name", "Email", "Email confirmed", "Roles", "Joined at"]
    assert sorted(row[0] for row in rows[1:]) == sorted("'" + name for name in hostile)
    plain = client.get("/admin/users?format=csv&q=plain").get_data(as_text=True)
    assert "Plain Person" in plain and "h0@example.org" not in plain
    assert client.get("/admin/users?format=xlsx").status_code == 200


def test_the_list_takes_the_same_queries_for_3_or_30_people(app, client, session, admin):
    def queries_for_list():
        statements = []

        def count(*_args, **_kwargs):
            statements.append(1)

        engine = db.engine_for(app)
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/admin/users").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    for n in range(3):
        make_user(session, f"few{n}@example.org", roles=(Role.CANDIDATE, Role.REVIEWER))
    few = queries_for_list()
    for n in range(27):
        make_user(session, f"many{n}@example.org", roles=(Role.CANDIDATE, Role.REVIEWER))
    assert queries_for_list() == few


def test_granting_a_role_is_shown_and_audited(client, session, admin):
    person = make_user(session, "new.reviewer@example.org", name="Nia New")
    response = post_form(
        client,
        f"/admin/users/{person.id}/roles",
        {"role": "reviewer", "q": "nia", "page": "1"},
        page="/admin/users",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert b"Nia New is now reviewer." in response.data
    session.refresh(person)
    assert person.has_role(Role.REVIEWER)
    [event_] = role_events(session, person)
    assert (event_.action, event_.actor_id, event_.details) == (
        "account.role_granted",
        admin.id,
        {"role": "reviewer"},
    )
    assert event_.at is not None


def test_granting_a_role_already_held_changes_nothing(client, session, admin):
    person = make_user(session, "holder@example.org", roles=(Role.REVIEWER,))
    response = post_form(
        client, f"/admin/users/{person.id}/roles", {"role": "reviewer"}, page="/admin/users"
    )
    assert response.status_code == 302
    assert role_events(session, person) == []


def test_granting_an_unknown_role_is_refused(client, session, admin):
    person = make_user(session, "unknown.role@example.org")
    response = post_form(
        client, f"/admin/users/{person.id}/roles", {"role": "emperor"}, page="/admin/users"
    )
    assert response.status_code == 422
    assert b"Choose one of the roles to grant." in response.data


def test_revoking_a_role_is_audited(client, session, admin):
    person = make_user(session, "ex.reviewer@example.org", roles=(Role.REVIEWER, Role.CANDIDATE))
    response = post_form(
        client, f"/admin/users/{person.id}/roles/reviewer/revoke", {}, page="/admin/users"
    )
    assert response.status_code == 302
    session.refresh(person)
    assert person.role_names == {Role.CANDIDATE}
    [event_] = role_events(session, person)
    assert (event_.action, event_.actor_id) == ("account.role_revoked", admin.id)


def test_an_admin_may_revoke_another_admins_role(client, session, admin):
    other = make_user(session, "other.admin@example.org", roles=(Role.ADMINISTRATOR,))
    url = f"/admin/users/{other.id}/roles/administrator/revoke"
    assert post_form(client, url, {}, page="/admin/users").status_code == 302
    session.refresh(other)
    assert not other.has_role(Role.ADMINISTRATOR)


def test_an_admin_cannot_revoke_their_own_admin_role(client, session, admin):
    url = f"/admin/users/{admin.id}/roles/administrator/revoke"
    response = post_form(client, url, {}, page="/admin/users")
    assert response.status_code == 409
    assert b"You cannot remove your own administrator role" in response.data
    session.refresh(admin)
    assert admin.has_role(Role.ADMINISTRATOR)
    assert role_events(session, admin) == []


def test_revoking_an_unknown_role_or_person_is_404(client, session, admin):
    person = make_user(session, "someone@example.org")
    token = csrf_token(client, "/admin/users")
    assert (
        client.post(
            f"/admin/users/{person.id}/roles/emperor/revoke", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/admin/users/999999/roles/reviewer/revoke", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/admin/users/999999/roles", data={"csrf_token": token, "role": "reviewer"}
        ).status_code
        == 404
    )


def test_role_changes_need_a_csrf_token(client, session, admin):
    person = make_user(session, "csrf.target@example.org")
    assert (
        client.post(f"/admin/users/{person.id}/roles", data={"role": "reviewer"}).status_code == 400
    )
    assert client.post(f"/admin/users/{person.id}/roles/candidate/revoke").status_code == 400


@pytest.mark.parametrize("roles", [(), (Role.CANDIDATE,), (Role.REVIEWER, Role.SUPERVISOR)])
def test_non_admins_get_403_on_every_admin_users_page_and_action(client, session, roles):
    target = make_user(session, "target.person@example.org", roles=(Role.REVIEWER,))
    login_as(client, make_user(session, "not.admin@example.org", roles=roles))
    token = csrf_token(client, "/")
    attempts = [
        client.get("/admin/users"),
        client.get("/admin/users?q=target&page=2"),
        client.get("/admin/users?format=csv"),
        client.post(
            f"/admin/users/{target.id}/roles", data={"csrf_token": token, "role": "administrator"}
        ),
        client.post(f"/admin/users/{target.id}/roles/reviewer/revoke", data={"csrf_token": token}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403, 403]
    session.refresh(target)
    assert target.role_names == {Role.REVIEWER}


def test_anonymous_visitors_are_sent_to_sign_in(client, session):
    target = make_user(session, "anon.target@example.org")
    token = csrf_token(client, "/sign-in")
    for response in (
        client.get("/admin/users"),
        client.post(
            f"/admin/users/{target.id}/roles", data={"csrf_token": token, "role": "administrator"}
        ),
    ):
        assert response.status_code == 302
        assert "/sign-in?next=" in response.headers["Location"]
    session.refresh(target)
    assert target.role_names == set()
