"""The holder's continuing-education log: totals as they type and after saving, proof through
the upload flow, and every bad input (amounts, dates, someone else's ids) answered with a clear
message and a 4xx, with nothing saved and nothing lost."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portfolio.models import CeActivity, UploadStatus
from tests.helpers import csrf_token, login_as, make_user
from tests.portfolio_fixtures import make_upload
from tests.renewal_fixtures import (
    TODAY,
    another_holder,
    holder_in_window,
    post,
    post_activity,
    today_minus,
)


@pytest.fixture
def holder(client, session):
    holder = holder_in_window(session)
    login_as(client, holder.user)
    return holder


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_errors(response) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', text(response))


def logged(session) -> int:
    return session.scalar(select(func.count()).select_from(CeActivity))


def test_activities_add_up_to_contact_hours_on_the_page(client, session, holder):
    assert post_activity(client, holder, amount="1.5").status_code == 302  # 22.5 hours
    response = post_activity(
        client, holder, title="Library apps", unit="workshop_hour", amount="4.25", on_technology="y"
    )
    assert response.status_code == 302
    page = text(client.get(holder.page))
    assert (
        "26.75 of 32 contact hours, 4.25 of at least 4 on technology: 5.25 more hours to go."
        in page
    )
    assert "1.5 semester credits" in page and "4.25 workshop or seminar hours" in page
    assert "Apply to renew" in page


def test_the_live_totals_use_the_same_rule_as_saving(client, session, holder):
    post_activity(client, holder)  # 2 semester credits: 30 hours
    token = csrf_token(client, holder.page)
    typed = {"unit": "conference_day", "amount": "0.5", "on_technology": True}
    answer = client.post(f"{holder.page}/totals", json=typed, headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (
        body["message"]
        == "33 of 32 contact hours, 3 of at least 4 on technology: 1 more on technology to go."
    )
    assert body["note"] == "This activity: 0.5 conference days = 3 contact hours."
    # A bad amount as typed: the saved totals and why this one does not count yet.
    typed["amount"] = "0.3"
    body = client.post(
        f"{holder.page}/totals", json=typed, headers={"X-CSRFToken": token}
    ).get_json()
    assert body["hours"] == "30" and body["note"] == "Record conference days in steps of 0.5."
    # A date saving would refuse: the same message, and the activity is not counted.
    typed["amount"] = "0.5"
    for day, refusal in (
        (TODAY + timedelta(days=3), "The date is in the future"),
        (TODAY - timedelta(days=3650), "Only activities from"),
    ):
        typed["done_on"] = day.isoformat()
        body = client.post(
            f"{holder.page}/totals", json=typed, headers={"X-CSRFToken": token}
        ).get_json()
        assert body["hours"] == "30" and body["note"].startswith(refusal), day
    typed["done_on"] = TODAY.isoformat()
    body = client.post(
        f"{holder.page}/totals", json=typed, headers={"X-CSRFToken": token}
    ).get_json()
    assert body["hours"] == "33"
    # Not JSON at all: still the saved totals, never a 500.
    junk = client.post(f"{holder.page}/totals", data="[[[", headers={"X-CSRFToken": token})
    assert junk.status_code == 200 and junk.get_json()["hours"] == "30"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "-2"}, "Enter a positive amount."),
        ({"amount": "0"}, "Enter a positive amount."),
        ({"amount": "99999999999999999999"}, "Enter the amount as a number"),
        ({"amount": "17"}, "One activity can count at most 240 contact hours; this would be 255."),
        ({"amount": "1.25"}, "Record semester credits in steps of 0.5."),
        (
            {"unit": "workshop_hour", "amount": "0.75"},
            "An activity counts only from 1 contact hour",
        ),
        ({"amount": "NaN"}, "Enter the amount as a number"),
        ({"done_on": "2999-01-01"}, "The date is in the future"),
        ({"done_on": today_minus(-1).isoformat()}, "The date is in the future"),
        ({"done_on": "2001-01-01"}, "Only activities from"),
        ({"done_on": "yesterday"}, "Enter the date as year-month-day"),
        ({"unit": "furlong"}, "Choose the unit the activity is measured in."),
        ({"title": ""}, "Enter the activity's title."),
        ({"provider": "p" * 201}, "Use at most 200 characters for the provider."),
    ],
)
def test_bad_activities_are_refused_with_the_reason_and_kept_as_typed(
    client, session, holder, fields, message
):
    response = post_activity(client, holder, **fields)
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response)), field_errors(response)
    assert "There is a problem" in text(response)
    for value in fields.values():  # what they typed is still in the form (bounded fields)
        if value and len(value) < 30:
            assert html.escape(value) in response.get_data(as_text=True) or value == "furlong"
    assert logged(session) == 0


def test_fractional_amounts_are_fine_where_the_unit_allows_them(client, session, holder):
    for unit, amount in (
        ("semester_credit", "0.5"),
        ("conference_day", "1.5"),
        ("workshop_hour", "1.25"),
    ):
        assert post_activity(client, holder, unit=unit, amount=amount).status_code == 302
    assert logged(session) == 3


def test_an_activity_on_the_first_day_and_today_count(client, session, holder):
    first = holder.certificate.issued_on.isoformat()
    assert post_activity(client, holder, done_on=first).status_code == 302
    assert post_activity(client, holder, done_on=TODAY.isoformat()).status_code == 302


def test_proof_is_a_verified_upload_of_the_holders_own(client, session, holder):
    mine = make_upload(session, holder.user)
    pending = make_upload(session, holder.user, status=UploadStatus.PENDING)
    stranger = make_user(session, "stranger@example.org")
    theirs = make_upload(session, stranger)
    session.commit()
    refused = post_activity(client, holder, proof_upload_id=str(theirs.id))
    assert refused.status_code == 404
    assert "We could not find that file among your uploads." in text(refused)
    not_ready = post_activity(client, holder, proof_upload_id=str(pending.id))
    assert not_ready.status_code == 422
    assert "has not been checked yet" in text(not_ready)
    assert logged(session) == 0
    assert post_activity(client, holder, proof_upload_id=str(mine.id)).status_code == 302
    activity = session.scalars(select(CeActivity)).one()
    assert activity.proof_upload_id == mine.id
    assert "minutes.pdf" in text(client.get(holder.page))


def test_someone_elses_certificate_and_activities_look_missing(client, session, holder):
    post_activity(client, holder)
    activity = session.scalars(select(CeActivity)).one()
    other = another_holder(session, holder)  # with a certificate of their own
    login_as(client, other.user)
    mine_page = other.page
    token = csrf_token(client, mine_page)
    theirs = holder.page
    assert client.get(theirs).status_code == 404
    for url in (
        f"{theirs}/activities",
        f"{theirs}/apply",
        f"{theirs}/activities/{activity.id}/remove",
        f"{theirs}/activities/{activity.id}/proof",
        # Their activity under my own certificate: still not mine.
        f"{mine_page}/activities/{activity.id}/remove",
        f"{mine_page}/activities/{activity.id}/proof",
        f"{mine_page}/activities/999999/remove",
    ):
        response = client.post(url, data={"csrf_token": token, "title": "x", "upload_id": "1"})
        assert response.status_code == 404, url
    totals = client.post(f"{theirs}/totals", json={}, headers={"X-CSRFToken": token})
    assert totals.status_code == 404
    assert session.get(CeActivity, activity.id) is not None  # nothing lost


def test_removing_an_activity_before_applying(client, session, holder):
    post_activity(client, holder)
    activity = session.scalars(select(CeActivity)).one()
    response = post(client, holder.page, f"{holder.page}/activities/{activity.id}/remove")
    assert response.status_code == 302
    assert logged(session) == 0


def test_a_revoked_certificate_takes_no_activities(client, session, holder):
    from portfolio.models.base import utcnow

    holder.certificate.revoked_at = utcnow()
    session.commit()
    response = post_activity(client, holder)
    assert response.status_code == 409
    assert "This certificate is revoked, so it cannot be renewed." in text(response)
    assert logged(session) == 0
    page = text(client.get(holder.page))
    assert "was revoked on" in page and "so it cannot be renewed" in page
    assert "Renewal window" not in page and "You can apply from" not in page


def test_proof_can_be_added_later_to_a_logged_activity(client, session, holder):
    post_activity(client, holder)
    activity = session.scalars(select(CeActivity)).one()
    page = client.get(holder.page).get_data(as_text=True)
    url = f"{holder.page}/activities/{activity.id}/proof"
    assert f'data-attach-url="{url}"' in page
    proof = make_upload(session, holder.user, name="certificate-of-attendance.pdf")
    session.commit()
    token = csrf_token(client, holder.page)
    for bad in ({"upload_id": "abc"}, {"upload_id": 10**30}, {}, []):
        refused = client.post(url, json=bad, headers={"X-CSRFToken": token})
        assert refused.status_code == 404, bad
        assert refused.get_json()["message"] == "We could not find that file among your uploads."
    added = client.post(url, json={"upload_id": proof.id}, headers={"X-CSRFToken": token})
    assert added.status_code == 201
    session.expire_all()
    assert activity.proof_upload_id == proof.id
    assert "certificate-of-attendance.pdf" in text(client.get(holder.page))


def test_the_dashboard_and_the_certificate_page_lead_to_the_renewal(client, session, holder):
    for start in ("/me/", f"/me/certificates/{holder.certificate.id}"):
        page = client.get(start).get_data(as_text=True)
        assert f'href="{holder.page}">Continuing education and renewal</a>' in page, start


def test_after_applying_the_log_says_what_it_now_counts_toward(client, session, holder):
    """Right after applying, the log is empty again: its "32 more hours to go" is about the
    next renewal, and the page says so instead of seeming to ask for the hours just sent."""
    assert post_activity(client, holder, amount="2").status_code == 302  # 30 hours
    assert (
        post_activity(
            client, holder, title="Apps", unit="workshop_hour", amount="4", on_technology="y"
        ).status_code
        == 302
    )
    page = text(client.get(holder.page))
    assert "next renewal" not in page
    assert post(client, holder.page, f"{holder.page}/apply").status_code == 302
    page = text(client.get(holder.page))
    assert "What you record here now counts toward your next renewal." in page
    assert (
        "Toward your next renewal: <strong>0 of 32 contact hours, 0 of at least 4 on technology"
        in page
    )
