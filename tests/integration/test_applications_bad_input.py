"""Bad input on the application form: shown next to the field, never a 500, nothing lost."""

from __future__ import annotations

from datetime import timedelta
from html import escape

import pytest
from sqlalchemy import update

from portfolio.domain.errors import Conflict
from portfolio.models import Application, ApplicationStatus
from portfolio.services.applications import drafts
from tests.application_fixtures import (
    application_row,
    application_url,
    complete_form,
    entry,
    save,
    start,
    today,
)
from tests.helpers import csrf_token, login_as

LONG = "x" * 10_000


@pytest.fixture
def draft(client, session, lsscp, candidate) -> int:
    login_as(client, candidate)
    return start(client)


def page_after(client, response) -> str:
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_another_candidates_application_is_not_found(client, session, other_candidate, draft):
    login_as(client, other_candidate)
    url = application_url(draft)
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/me/")
    assert client.post(url, data={"csrf_token": token, "phone": "hijack"}).status_code == 404
    live = client.post(f"{url}/eligibility", json={"entries": []}, headers={"X-CSRFToken": token})
    assert live.status_code == 404
    assert application_row(session, draft).phone == ""


def test_a_missing_application_is_not_found(client, session, draft):
    assert client.get(application_url(draft + 1000)).status_code == 404


def test_empty_answers_save_a_draft_and_submitting_lists_what_is_missing(client, session, draft):
    empty = dict.fromkeys(complete_form(), "")
    page = page_after(client, save(client, draft, empty))
    assert "Your draft is saved." in page
    page = page_after(client, save(client, draft, empty, action="submit"))
    assert "it cannot be submitted yet" in page
    for message in (
        "Enter your phone number.",
        "Enter your street address.",
        "Say whether you have a high-school diploma or equivalent.",
        "Add at least one period of library work.",
    ):
        assert message in page
    assert application_row(session, draft).status == ApplicationStatus.DRAFT


def test_a_10000_character_answer_is_refused_but_kept_as_typed(client, session, draft):
    save(client, draft, complete_form(phone="555-0100"))
    page = page_after(client, save(client, draft, complete_form(phone=LONG)))
    assert "Field cannot be longer than 40 characters." in page
    assert f'value="{LONG}"' in page  # what was typed is still there to correct
    application = application_row(session, draft)
    assert application.phone == "555-0100"  # the last valid value is kept
    assert application.form_input["phone"] == LONG
    assert application.city == "Springfield"  # the other answers were saved


def test_a_10000_character_library_name_is_refused_but_kept(client, session, draft):
    page = page_after(client, save(client, draft, complete_form(**entry(library=LONG))))
    assert "Use at most 200 characters (you typed 10,000)." in page
    assert f'value="{LONG}"' in page
    assert application_row(session, draft).experience == []


def test_an_end_date_before_the_start_date(client, session, draft):
    dates = entry(start_date="2022-05-01", end_date="2021-05-01")
    page = page_after(client, save(client, draft, complete_form(**dates)))
    assert "The end date is before the start date." in page
    assert 'value="2021-05-01"' in page and 'value="2022-05-01"' in page
    assert application_row(session, draft).experience == []


def test_an_end_date_in_the_future(client, session, draft):
    dates = entry(end_date=(today() + timedelta(days=40)).isoformat())
    page = page_after(client, save(client, draft, complete_form(**dates)))
    assert "The end date is in the future; leave it empty while you work there." in page
    assert application_row(session, draft).experience == []


def test_an_entry_typed_but_not_kept_is_not_also_called_missing(client, session, draft):
    """The entry's own messages say why it was not kept; 'Add at least one period of library
    work' beside its library's name only confused."""
    half = entry(library_type="")
    page = page_after(client, save(client, draft, complete_form(**half), action="submit"))
    assert "Choose the type of library." in page
    assert "Add at least one period of library work." not in page


def test_a_date_that_is_not_a_date(client, session, draft):
    page = page_after(client, save(client, draft, complete_form(**entry(start_date="31/02/2020"))))
    assert "Enter the start date as a date, for example 2021-09-01." in page
    assert 'value="31/02/2020"' in page


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "Hours per week must be more than 0 and at most 168."),
        ("169", "Hours per week must be more than 0 and at most 168."),
        ("abc", "Enter the hours per week as a number"),
    ],
    ids=["zero", "169", "abc"],
)
def test_hours_per_week_out_of_range_or_not_a_number(client, session, draft, hours, message):
    page = page_after(client, save(client, draft, complete_form(**entry(hours_per_week=hours))))
    assert message in page
    assert f'value="{hours}"' in page
    assert application_row(session, draft).experience == []
    assert "1 entry is not counted until complete and correct." in page


def test_an_unknown_country_code_is_refused(client, session, draft):
    page = page_after(client, save(client, draft, complete_form(country="ZZ")))
    assert "Not a valid choice." in page
    assert application_row(session, draft).country == "US"


def test_a_malformed_supervisor_email_is_refused_but_kept(client, session, draft):
    page = page_after(client, save(client, draft, complete_form(supervisor_email="not an email")))
    assert "Enter an email address like name@example.org." in page
    assert 'value="not an email"' in page


def test_an_invalid_answer_cannot_be_submitted(client, session, draft):
    page = page_after(
        client, save(client, draft, complete_form(**entry(hours_per_week="abc")), action="submit")
    )
    assert "it cannot be submitted yet" in page
    assert application_row(session, draft).status == ApplicationStatus.DRAFT


def test_a_stale_version_is_a_conflict_and_the_text_stays_on_the_page(client, session, draft):
    save(client, draft, complete_form(city="First Tab City"))
    url = application_url(draft)
    stale = {"version": "1", "action": "save", **complete_form(city="Second Tab City")}
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **stale})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed in another tab" in page
    assert 'value="Second Tab City"' in page
    assert application_row(session, draft).city == "First Tab City"


def test_a_missing_version_is_a_conflict_not_an_error(client, session, draft):
    url = application_url(draft)
    data = {"csrf_token": csrf_token(client, url), "version": "abc", **complete_form()}
    assert client.post(url, data=data).status_code == 409


def test_saving_a_submitted_application_is_a_conflict(client, session, draft):
    save(client, draft, complete_form(), action="submit")
    assert application_row(session, draft).status == ApplicationStatus.SUBMITTED
    url = application_url(draft)
    data = {"csrf_token": csrf_token(client, "/me/"), "version": "9", **complete_form(city="Late")}
    response = client.post(url, data=data)
    assert response.status_code == 409
    assert 'value="Late"' in response.get_data(as_text=True)


def test_a_save_from_a_tab_left_open_after_submitting_offers_nothing_to_press_again(
    client, session, draft
):
    """The application was submitted in another tab; saving the stale tab keeps what was
    typed but says it was already sent, not "changed elsewhere ... save again", and offers no
    Save or Submit button that would only be refused again, nor the draft's wording."""
    save(client, draft, complete_form(), action="submit")
    url = application_url(draft)
    data = {"csrf_token": csrf_token(client, "/me/"), "version": "1", **complete_form(city="Late")}
    response = client.post(url, data={**data, "action": "save"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'value="Late"' in page
    assert "Not saved: this application was already sent" in page
    assert "can no longer change" in page
    assert "save again" not in page and "Draft, last saved" not in page
    assert 'name="action"' not in page  # no Save, Submit, Add or Remove button
    assert f'href="{url}">See your application as it was sent</a>' in page
    assert application_row(session, draft).city != "Late"


def test_a_stale_draft_tab_still_offers_to_save_again(client, session, draft):
    save(client, draft, complete_form(city="First Tab City"))
    url = application_url(draft)
    stale = {"version": "1", "action": "save", **complete_form(city="Second Tab City")}
    page = client.post(url, data={"csrf_token": csrf_token(client, url), **stale}).get_data(
        as_text=True
    )
    assert "Not saved: changed elsewhere" in page and "save again" in page
    assert 'value="submit"' in page


def test_a_scholarship_needs_membership(client, session, draft):
    answers = complete_form(payment_plan="scholarship", scholarship_key="enrollment-achievement")
    page = page_after(client, save(client, draft, answers, action="submit"))
    assert escape("The Enrollment Achievement Award is for members of SSD only.") in page
    assert application_row(session, draft).status == ApplicationStatus.DRAFT


def test_the_member_price_is_not_membership_of_the_awarding_body(client, session, draft):
    answers = complete_form(
        payment_plan="scholarship",
        scholarship_key="enrollment-achievement",
        is_member="y",
        member_number="M-7",
    )
    page = page_after(client, save(client, draft, answers, action="submit"))
    assert escape("The Enrollment Achievement Award is for members of SSD only.") in page
    assert application_row(session, draft).status == ApplicationStatus.DRAFT
    answers["awarding_body_member"] = "y"
    assert save(client, draft, answers, action="submit").status_code == 302
    submitted = application_row(session, draft)
    assert submitted.status == ApplicationStatus.SUBMITTED and submitted.awarding_body_member


def test_posting_without_the_csrf_token_is_refused(client, session, draft):
    response = client.post(application_url(draft), data=complete_form(version="1"))
    assert response.status_code == 400
    assert application_row(session, draft).phone == ""


def test_a_save_racing_another_is_a_conflict(client, session, draft):
    """Two requests loaded the same version; the second to write finds it gone (version_id)."""
    application = application_row(session, draft)
    loaded = application.version
    session.execute(update(Application).where(Application.id == draft).values(version=loaded + 1))
    changes = drafts.DraftChanges(values={"city": "Racer"}, entries=[], typed={})
    with pytest.raises(Conflict, match="changed in another tab"):
        drafts.save_draft(session, application, changes, expected_version=loaded)
