"""Hours as the candidate types (JSON endpoint and saved drafts), entries, and the queue groups."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portfolio.models import EligibilityStatus
from tests.application_fixtures import (
    application_row,
    application_url,
    complete_form,
    entry,
    save,
    start,
    submitted_application,
    today,
)
from tests.helpers import csrf_token, login_as, make_user


@pytest.fixture
def draft(client, session, lsscp, candidate) -> int:
    login_as(client, candidate)
    return start(client)


def live(client, application_id, body, token=None):
    token = token if token is not None else csrf_token(client, application_url(application_id))
    return client.post(
        f"{application_url(application_id)}/eligibility", json=body, headers={"X-CSRFToken": token}
    )


def as_json(n: int, **values: str) -> dict[str, str]:
    return {key.split("-", 2)[2]: value for key, value in entry(n, **values).items()}


def test_live_hours_for_entries_as_typed(client, session, draft):
    start_date = (today() - timedelta(days=70)).isoformat()
    response = live(client, draft, {"entries": [as_json(0, start_date=start_date)]})
    assert response.status_code == 200
    data = response.get_json()
    assert data["message"] == "202 of 1,820 hours in the last 5 years"  # 71 days x 20/7
    assert data["enough"] is False
    assert data["overlaps"] == []
    # What would make it enough: 1,618 more hours, at most 40 a week.
    assert data["notes"] == [
        "You need 1,618 more hours to be eligible: at least 41 more weeks of library work at 40 "
        "hours a week. Unpaid and part-time library work count too: add any you have not listed."
    ]


def test_live_hours_flag_overlaps_and_leave_out_incomplete_entries(client, session, draft):
    entries = [
        as_json(0, start_date="2022-01-01", end_date="2022-12-31"),
        as_json(1, start_date="2022-06-01", end_date="2023-05-31", library="Branch"),
        as_json(2, hours_per_week="abc"),
        {"library": "", "role": ""},  # a blank row is not an entry
    ]
    data = live(client, draft, {"entries": entries}).get_json()
    assert data["overlaps"] == ["Entries 1 and 2 overlap from 1 June 2022 to 31 December 2022."]
    assert data["notes"][0] == "1 entry is not counted until complete and correct."


def test_live_hours_refuse_a_body_that_is_not_a_list_of_entries(client, session, draft):
    assert live(client, draft, {"entries": "many"}).status_code == 400
    assert live(client, draft, ["not", "an", "object"]).status_code == 400
    assert live(client, draft, {"entries": [{}] * 41}).status_code == 400


def test_live_hours_survive_values_of_the_wrong_type(client, session, draft):
    entries = [{"library": 5, "start_date": None, "hours_per_week": [1]}, "text", 7]
    data = live(client, draft, {"entries": entries}).get_json()
    assert data["message"] == "0 of 1,820 hours in the last 5 years"


def test_live_hours_need_the_csrf_header(client, session, draft):
    assert live(client, draft, {"entries": []}, token="").status_code == 400


def test_saved_draft_shows_hours_overlaps_and_counted_hours_per_entry(client, session, draft):
    answers = complete_form(
        **entry(0, start_date="2022-01-01", end_date="2022-12-31", hours_per_week="40"),
        **entry(1, start_date="2022-06-01", end_date="2022-06-30", hours_per_week="10"),
    )
    response = save(client, draft, answers)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2,085 of 1,820 hours in the last 5 years" in page  # 365 days at the 40-hour cap
    assert "more hours to be eligible" not in page  # enough: no advice
    assert "Entries 1 and 2 overlap from 1 June 2022 to 30 June 2022." in page
    assert "42 hours above the weekly cap of 40 hours are not counted." in page
    # In June the two share the cap in proportion (40:10), so each keeps 4/5 of its June hours.
    assert "Counted: 2,051 hours." in page
    assert "Counted: 34 hours." in page


def test_add_and_remove_entries_without_losing_the_others(client, session, draft):
    answers = complete_form(**entry(1, library="Second Library"), **entry(2, library="Third"))
    save(client, draft, answers)
    assert len(application_row(session, draft).experience) == 3
    save(client, draft, answers, action="remove-1")
    rows = application_row(session, draft).experience
    assert [row.library for row in rows] == ["Springfield Public Library", "Third"]
    response = save(client, draft, complete_form(**entry(1, library="Third")), action="add")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Entry 3" in page and 'value="Third"' in page


def test_education_outside_the_us_goes_to_case_by_case_review(
    client, session, lsscp, candidate, admin
):
    application_id = submitted_application(client, candidate, education_country="CA")
    assert application_row(session, application_id).eligibility == EligibilityStatus.NEEDS_REVIEW
    login_as(client, admin)
    review = client.get("/admin/applications?eligibility=needs_review").get_data(as_text=True)
    assert "Casey Candidate" in review
    eligible = client.get("/admin/applications?eligibility=eligible").get_data(as_text=True)
    assert "Casey Candidate" not in eligible


def test_too_few_hours_is_not_eligible(client, session, lsscp, candidate, admin):
    recent = (today() - timedelta(days=30)).isoformat()
    application_id = submitted_application(client, candidate, **entry(start_date=recent))
    application = application_row(session, application_id)
    assert application.eligibility == EligibilityStatus.NOT_ELIGIBLE
    login_as(client, admin)
    queue = client.get("/admin/applications?eligibility=not_eligible").get_data(as_text=True)
    assert "Casey Candidate" in queue and "Not eligible (1)" in queue
    page = client.get(f"/admin/applications/{application_id}").get_data(as_text=True)
    assert "of 1,820 hours in the last 5 years" in page


def test_a_second_start_returns_the_open_application(client, session, draft):
    assert start(client) == draft


def test_starting_an_unknown_or_unpublished_program_is_not_found(client, session, lsscp):
    login_as(client, make_user(session, "nobody@example.org"))
    token = csrf_token(client, "/me/")
    assert (
        client.post("/me/applications", data={"csrf_token": token, "program": "nope"}).status_code
        == 404
    )
    assert client.get("/me/applications/new?program=nope").status_code == 404
    assert client.get("/me/applications/new?program=lsscp").status_code == 200


def test_a_draft_short_of_hours_warns_before_submitting_and_says_what_would_be_enough(
    client, session, draft
):
    start_date = (today() - timedelta(days=200)).isoformat()
    answers = complete_form(**entry(0, start_date=start_date))  # 20 hours a week, ongoing
    page = client.get(save(client, draft, answers).headers["Location"]).get_data(as_text=True)
    assert "Before you submit:</strong> the experience listed" in page
    assert "more hours to be eligible: at least" in page
