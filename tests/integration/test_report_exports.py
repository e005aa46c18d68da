"""Downloads of the administrators' reports: the cohort dashboard's tables (cohorts, days to
certification, the funnel) and the quality page's (per set, per reviewer, month by month), as
CSV and XLSX with the page's filters, the same numbers as the page, a clear 400 for a table or
format that does not exist, and administrators only."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from portfolio.models import RecognitionAgreement, Role, ScholarshipPool
from tests.helpers import login_as, make_user
from tests.integration.test_cohorts import signed_in_admin, two_programs
from tests.integration.test_review_quality import _admin, _more, _review_pair
from tests.review_fixtures import make_framework, make_world

REPORTS: dict[str, tuple[str, ...]] = {
    "/admin/cohorts": ("cohorts", "days", "funnel"),
    "/admin/reviews/quality": ("sets", "reviewers", "months"),
}


def read_csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_the_cohorts_table_downloads_with_the_pages_numbers(client, session):
    two_programs(session)
    signed_in_admin(client, session)
    page = client.get("/admin/cohorts").get_data(as_text=True)
    assert 'href="/admin/cohorts?format=csv&amp;table=cohorts"' in page
    rows = read_csv(client.get("/admin/cohorts?format=csv"))
    assert rows[0][:3] == ["Cohort", "Enrolled", "Active"]
    assert [row[:5] for row in rows[1:]] == [
        ["2026 Q1", "3", "2", "1", "0"],
        ["2025 Q4", "3", "0", "2", "1"],
        ["All cohorts", "6", "2", "3", "1"],
    ]
    assert [float(row[7]) for row in rows[1:]] == [10, 65, 60]  # median days, as on the page
    one = read_csv(client.get("/admin/cohorts?format=csv&program=tstp"))
    assert one[-1][:2] == ["All cohorts", "5"]  # the program filter applies
    days = read_csv(client.get("/admin/cohorts?format=csv&table=days"))
    assert days[0] == ["Days", "Certified"] and sum(int(row[1]) for row in days[1:]) == 3
    funnel = read_csv(client.get("/admin/cohorts?format=csv&table=funnel"))
    assert funnel[0][0] == "Intake" and funnel[1][0] == "All intakes"
    assert len(funnel[0]) > 3
    xlsx = client.get("/admin/cohorts?format=xlsx&table=funnel")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")


def test_the_quality_tables_download_with_the_pages_period(client, session):
    world = make_world(session, reviewers=2)
    _review_pair(session, world, world.submission, "met", "met")
    _more(session, world, 1, {"C1": "met", "C2": "partially_met", "C3": "not_met"}, "met")
    _more(session, world, 1, "not_met", "not_met", start=5)
    _admin(session, client)
    page = client.get("/admin/reviews/quality").get_data(as_text=True)
    assert 'href="/admin/reviews/quality?format=csv&amp;table=reviewers"' in page
    reviewer = world.reviewers[0]
    assert f'href="/admin/people/{reviewer.id}"' in page  # each reviewer's person page
    sets = read_csv(client.get("/admin/reviews/quality?format=csv&table=sets"))
    assert sets[0][:3] == ["Set", "Reviews", "Average days to complete"]
    assert "Pairs" in sets[0] and "Weighted kappa" in sets[0]
    (core,) = sets[1:]
    assert core[0].endswith("Core skills") and core[1] == "6"  # 3 reviews by each of two
    assert core[sets[0].index("Pairs")] == "9"
    assert core[sets[0].index("Disagreement rate")] == "0.2222"  # 2 of 9, as the page's 22%
    reviewers = read_csv(client.get("/admin/reviews/quality?format=csv&table=reviewers"))
    assert sorted(row[0] for row in reviewers[1:]) == ["Reviewer Person1", "Reviewer Person2"]
    months = read_csv(client.get("/admin/reviews/quality?format=csv&table=months"))
    assert months[0][0] == "Month" and sum(int(row[1]) for row in months[1:]) == 6
    empty = read_csv(
        client.get("/admin/reviews/quality?format=csv&table=sets&starts_on=2001-01&ends_on=2001-02")
    )
    assert len(empty) == 1  # the period applies: no review then


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize("query", ["format=csv&table=passwords", "format=pdf", "format=CSV"])
def test_a_table_or_format_a_report_does_not_offer_is_a_clear_400(client, session, url, query):
    signed_in_admin(client, session)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Download one of this report" in text or "Download as csv or xlsx." in text


def test_a_bad_period_or_program_is_refused_on_a_download_too(client, session):
    two_programs(session)
    signed_in_admin(client, session)
    assert client.get("/admin/reviews/quality?format=csv&starts_on=2024-13").status_code == 400
    backwards = client.get("/admin/reviews/quality?format=csv&starts_on=2025-06&ends_on=2025-01")
    assert 400 <= backwards.status_code < 500
    unknown = client.get("/admin/cohorts?format=csv&program=no-such-program")
    assert 400 <= unknown.status_code < 500


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_every_report_table_downloads(client, session, url, kind):
    signed_in_admin(client, session)
    for table in REPORTS[url]:
        response = client.get(f"{url}?format={kind}&table={table}")
        assert response.status_code == 200, (url, table)
        assert response.headers["Content-Disposition"].endswith(f'.{kind}"')
        assert response.get_data()


@pytest.mark.parametrize("url", REPORTS)
def test_report_downloads_are_for_administrators_only(client, session, url):
    reviewer = make_user(session, "rev@example.org", roles=(Role.REVIEWER, Role.CANDIDATE))
    session.commit()
    login_as(client, reviewer)
    assert client.get(f"{url}?format=csv").status_code == 403


def test_scholarship_pools_download_with_no_formulas(client, session):
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.add_all(
        [
            ScholarshipPool(
                program_slug="lsscp",
                scholarship_key="award",
                name="=2026 gift",
                total_cents=100_000,
                awarded_cents=25_050,
                created_by_id=admin.id,
            ),
            ScholarshipPool(
                program_slug="lsscp",
                scholarship_key="award",
                name="Plain gift",
                total_cents=5_000,
                created_by_id=admin.id,
            ),
        ]
    )
    session.commit()
    login_as(client, admin)
    page = client.get("/admin/scholarship-pools").get_data(as_text=True)
    assert 'href="/admin/scholarship-pools?format=csv"' in page
    rows = read_csv(client.get("/admin/scholarship-pools?format=csv"))
    assert rows[0][:6] == [
        "Gift",
        "Program",
        "Scholarship",
        "Given (USD)",
        "Awarded (USD)",
        "Left (USD)",
    ]
    assert rows[1][0] == "'=2026 gift" and rows[1][3:6] == ["1000.0", "250.5", "749.5"]
    assert rows[2][0] == "Plain gift"
    assert client.get("/admin/scholarship-pools?format=xlsx").status_code == 200


def test_recognition_agreements_download_with_no_formulas(client, session):
    framework = make_framework(session)
    agreement = RecognitionAgreement(
        college="@Lakeside College",
        program_name="Library Technical Assistant",
        valid_from=date(2025, 1, 1),
    )
    agreement.sets = [framework.sets[0]]
    session.add(agreement)
    signed_in_admin(client, session)
    page = client.get("/admin/recognition-agreements").get_data(as_text=True)
    assert 'href="/admin/recognition-agreements?format=csv"' in page
    rows = read_csv(client.get("/admin/recognition-agreements?format=csv"))
    assert rows[0][:3] == ["College", "Program of study", "Sets covered"]
    assert rows[1][:4] == [
        "'@Lakeside College",
        "Library Technical Assistant",
        "CORE",
        "2025-01-01",
    ]
    assert client.get("/admin/recognition-agreements?format=xlsx").status_code == 200


@pytest.mark.parametrize("url", ["/admin/scholarship-pools", "/admin/recognition-agreements"])
def test_table_downloads_are_for_administrators_only_and_csv_or_xlsx(client, session, url):
    candidate = make_user(session, "c@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, candidate)
    assert client.get(f"{url}?format=csv").status_code == 403
    assert client.get(f"{url}?format=xlsx").status_code == 403
    signed_in_admin(client, session)
    refused = client.get(f"{url}?format=pdf")
    assert refused.status_code == 400
    assert "Download as csv or xlsx." in refused.get_data(as_text=True)
