"""A person corrects their own name until a certificate carries it; the program office changes
it at any time, with a written reason. Both are in the history."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.models import AuditEvent, Role
from tests.helpers import login_as, make_user, post_form
from tests.integration.test_course_checks import text_of
from tests.renewal_fixtures import an_admin, holder_in_window

RLO = "\u202e"


def name_changes(session, user_id: int) -> list[dict]:
    return [
        event.details
        for event in session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "account.name_changed")
            .where(AuditEvent.object_id == str(user_id))
            .order_by(AuditEvent.id)
        )
    ]


def test_a_person_corrects_their_own_name(client, session):
    person = make_user(session, "zoe@example.org", name="Zoe Smtih")
    session.commit()
    login_as(client, person)
    page = text_of(client.get("/account"))
    assert "Change your name" in page

    for typed, message in (
        ("   ", "Enter your name."),
        (RLO, "Enter your name."),
        ("Z" * 201, "Use at most 200 characters."),
        ("Zoe Smtih", "That is the name on the account already."),
    ):
        refused = post_form(client, "/account/name", {"name": typed}, page="/account")
        assert refused.status_code in (409, 422), typed
        assert message in text_of(refused), typed

    done = post_form(client, "/account/name", {"name": f"  Zoe  {RLO}Smith "}, page="/account")
    assert done.status_code == 302
    session.refresh(person)
    assert person.name == "Zoe Smith"
    assert "Your name is now Zoe Smith." in text_of(client.get("/account"))
    assert name_changes(session, person.id) == [{"from": "Zoe Smtih", "to": "Zoe Smith"}]


def test_a_certificate_holder_asks_the_office_which_changes_it_with_a_reason(
    app, client, session, mailbox, monkeypatch
):
    monkeypatch.setitem(app.config, "OFFICE_EMAIL", "office@example.org")
    holder = holder_in_window(session)
    person = holder.user
    admin = an_admin(session)
    session.commit()
    login_as(client, person)
    page = text_of(client.get("/account"))
    assert "Your name is printed on your certificate, so the program office changes it" in page
    assert "write to them at office@example.org with the name to use" in page
    refused = post_form(client, "/account/name", {"name": "Someone Else"}, page="/account")
    assert refused.status_code == 409
    assert "Your name is printed on your certificate" in text_of(refused)
    assert post_form(
        client, f"/admin/people/{person.id}/name", {"name": "X", "reason": "Typo"}, page="/account"
    ).status_code == 403

    login_as(client, admin)
    url = f"/admin/people/{person.id}"
    unexplained = post_form(client, f"{url}/name", {"name": "Casey Jones", "reason": ""}, page=url)
    assert unexplained.status_code == 422
    assert "Give a reason." in text_of(unexplained)
    assert 'value="Casey Jones"' in unexplained.get_data(as_text=True)  # kept as typed
    blank = post_form(client, f"{url}/name", {"name": "", "reason": "A typo."}, page=url)
    assert blank.status_code == 422 and "Enter the name." in text_of(blank)
    assert f'value="{person.name}"' not in blank.get_data(as_text=True)  # not refilled
    changed = post_form(
        client, f"{url}/name", {"name": "Casey Jones", "reason": "Legal change of name."}, page=url
    )
    assert changed.status_code == 302
    session.refresh(person)
    assert person.name == "Casey Jones"
    certificate_page = text_of(client.get(f"/certificates/{holder.certificate.number}"))
    assert "Casey Jones" in certificate_page
    assert name_changes(session, person.id)[-1]["reason"] == "Legal change of name."
    [told] = [m for m in mailbox.to(person.email) if "name on your account" in m["Subject"]]
    assert "from “" in mailbox.body(told) and "” to “Casey Jones”" in mailbox.body(told)
    assert "Legal change of name." not in mailbox.body(told)  # the reason stays in the record
    assert post_form(
        client, "/admin/people/999999/name", {"name": "A", "reason": "Typo fix"}, page=url
    ).status_code == 404


def test_only_administrators_reach_the_office_form(client, session):
    person = make_user(session, "sam@example.org", name="Sam", roles=(Role.SUPERVISOR,))
    session.commit()
    login_as(client, person)
    assert client.get(f"/admin/people/{person.id}").status_code == 403
