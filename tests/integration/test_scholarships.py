"""Scholarships as the program has them (issue 13.2): membership of the awarding body is its
own fact, the once-per-18-months limit counts every award from that body, awards come out of
pools of money that run out, and award names come from the rule data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portfolio.models import AuditEvent, Role, ScholarshipAward, ScholarshipPool
from portfolio.services.applications import scholarships as scholarship_service
from tests.application_fixtures import committed_user, publish, start, submitted_application
from tests.framework_documents import lsscp_document
from tests.helpers import login_as, post_form

AWARD = "enrollment-achievement"
SUBSIDY = "course-subsidy"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def give(client, amount, key=AWARD, name="2026 gift from the Friends"):
    data = {"pool-scholarship": f"lsscp:{key}", "pool-name": name, "pool-amount": amount}
    return post_form(client, "/admin/scholarship-pools", data)


def award(client, application_id, key=AWARD):
    url = f"/admin/applications/{application_id}"
    data = {"scholarship-scholarship_key": key, "scholarship-note": ""}
    return post_form(client, f"{url}/scholarships", data, page=url)


def applicant(client, session, n: int, **values):
    person = committed_user(session, f"staff{n}@example.org", f"Staff Member {n}", Role.CANDIDATE)
    return submitted_application(client, person, **values), person


@pytest.fixture
def two_ssd_awards(session):
    """LSSCP with a second SSD scholarship, so the body's limit can span two awards."""
    document = lsscp_document()
    document["rules"]["fees"]["scholarships"].append(
        {
            "key": SUBSIDY,
            "name": "Course Subsidy",
            "amount_cents": 10000,
            "members_only": True,
            "once_per_months": 18,
            "awarding_body": "SSD",
            "pooled": True,
        }
    )
    return publish(session, document)


def test_the_member_price_is_not_membership_of_the_awarding_body(client, session, lsscp, admin):
    priced, _ = applicant(client, session, 1, is_member="y", member_number="M-1")
    ssd, _ = applicant(client, session, 2, awarding_body_member="y")
    login_as(client, admin)
    assert give(client, "1000.00").status_code == 302
    refused = award(client, priced)
    assert refused.status_code == 422
    assert "The Enrollment Achievement Award is for members of SSD only." in text(refused)
    assert award(client, ssd).status_code == 302
    [granted] = session.scalars(select(ScholarshipAward)).all()
    assert granted.application_id == ssd and granted.awarding_body == "SSD"
    page = text(client.get(f"/admin/applications/{ssd}"))
    assert "Member of SSD</dt><dd>Yes" in page
    assert "Not a member" in page  # the member price still applies only to is_member


def test_the_form_asks_for_membership_of_the_body_apart_from_the_member_price(
    client, session, lsscp, candidate
):
    login_as(client, candidate)
    draft = text(client.get(f"/me/applications/{start(client)}"))
    assert "I am a member of ALA (the American Library Association) (member fee)" in draft
    assert "I am a member of SSD (needed for its scholarships; this is not the member fee)" in draft
    application_id = submitted_application(client, candidate, awarding_body_member="y")
    page = text(client.get(f"/me/applications/{application_id}"))
    assert "Member of SSD</dt><dd>Yes" in page


def test_the_limit_counts_every_award_from_the_same_body(client, session, two_ssd_awards, admin):
    application_id, _ = applicant(client, session, 1, awarding_body_member="y")
    login_as(client, admin)
    assert give(client, "1000.00").status_code == 302
    assert give(client, "500.00", key=SUBSIDY, name="Subsidy fund").status_code == 302
    assert award(client, application_id, AWARD).status_code == 302
    second = award(client, application_id, SUBSIDY)
    assert second.status_code == 422
    assert "An award from SSD was made on" in text(second)
    assert "SSD gives one award every 18 months" in text(second)
    assert len(session.scalars(select(ScholarshipAward)).all()) == 1


def test_a_pool_runs_out(client, session, lsscp, admin):
    applications = [applicant(client, session, n, awarding_body_member="y")[0] for n in range(6)]
    login_as(client, admin)
    assert give(client, "1000.00").status_code == 302  # five awards of $200
    for application_id in applications[:5]:
        assert award(client, application_id).status_code == 302
    sixth = award(client, applications[5])
    assert sixth.status_code == 422
    assert (
        "The money for the Enrollment Achievement Award is spent: $0.00 is left, less than one "
        "award of $200.00." in text(sixth)
    )
    [pool] = session.scalars(select(ScholarshipPool)).all()
    session.refresh(pool)
    assert (pool.total_cents, pool.awarded_cents) == (100000, 100000)
    assert len(session.scalars(select(ScholarshipAward)).all()) == 5
    page = text(client.get("/admin/scholarship-pools"))
    assert "2026 gift from the Friends" in page and "$0.00" in page


def test_no_pool_no_award(client, session, lsscp, admin):
    application_id, _ = applicant(client, session, 1, awarding_body_member="y")
    login_as(client, admin)
    refused = award(client, application_id)
    assert refused.status_code == 422
    assert "There is no money for the Enrollment Achievement Award" in text(refused)


def test_a_draw_raced_by_another_cannot_overspend(client, session, lsscp, admin, monkeypatch):
    """Between choosing a pool and drawing from it, another award spends it: the conditional
    UPDATE draws nothing, and the award is refused (the row lock makes this wait on
    PostgreSQL; the condition holds on any database)."""
    application_id, _ = applicant(client, session, 1, awarding_body_member="y")
    login_as(client, admin)
    assert give(client, "200.00").status_code == 302
    real = scholarship_service.choose_pool

    def chosen_then_spent(pools, amount):
        chosen = real(pools, amount)
        session.execute(update(ScholarshipPool).values(awarded_cents=ScholarshipPool.total_cents))
        return chosen

    monkeypatch.setattr(scholarship_service, "choose_pool", chosen_then_spent)
    refused = award(client, application_id)
    assert refused.status_code == 422
    assert "is spent" in text(refused)
    assert session.scalars(select(ScholarshipAward)).all() == []


def test_the_database_refuses_an_overspent_pool(session, lsscp, admin):
    pool = ScholarshipPool(
        program_slug="lsscp",
        scholarship_key=AWARD,
        name="Gift",
        total_cents=20000,
        awarded_cents=0,
        created_by_id=admin.id,
    )
    session.add(pool)
    session.flush()
    pool.awarded_cents = 20001
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"pool-amount": "abc"}, "Enter an amount in dollars"),
        ({"pool-amount": "-5"}, "cannot be negative"),
        ({"pool-name": ""}, "Name the gift."),
        ({"pool-scholarship": "lsscp:free-money"}, "Not a valid choice"),
        ({"pool-scholarship": "nowhere:" + AWARD}, "Not a valid choice"),
    ],
)
def test_a_bad_gift_is_refused(client, session, lsscp, admin, values, message):
    login_as(client, admin)
    data = {"pool-scholarship": f"lsscp:{AWARD}", "pool-name": "Gift", "pool-amount": "1000"}
    response = post_form(client, "/admin/scholarship-pools", data | values)
    assert response.status_code == 422
    assert message in text(response)
    assert session.scalars(select(ScholarshipPool)).all() == []


def test_award_names_come_from_the_rule_data(client, session, admin):
    document = lsscp_document()
    document["rules"]["fees"]["scholarships"][0]["name"] = "Friends of SSD Award"
    publish(session, document)
    application_id, person = applicant(client, session, 1, awarding_body_member="y")
    login_as(client, admin)
    assert give(client, "400.00").status_code == 302
    assert award(client, application_id).status_code == 302
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "scholarship.awarded"))
    assert event.details["pool_remaining_cents"] == 20000
    login_as(client, person)
    page = text(client.get("/me/fees"))
    assert "Friends of SSD Award: $200.00 awarded on" in page
    assert "You owe $150.00." in page
    assert "Enrollment Achievement" not in page


def test_the_program_page_says_the_fee_does_not_cover_course_tuition(client, session, lsscp):
    page = text(client.get("/programs/lsscp/"))
    assert "The fee does not cover course tuition" in page
