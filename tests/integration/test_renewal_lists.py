"""The renewals list as every admin list: search, the stage and quarter filters (always set),
sort, bounded pages, a clear 400 for what it does not offer, a CSV/XLSX of what the filters
select with no formulas, person links, and administrators only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from portfolio.domain.renewal.quarters import quarter_of
from portfolio.models import RenewalApplication, Role
from portfolio.models.base import utcnow
from tests.helpers import login_as, make_user
from tests.integration.test_course_checks import text_of
from tests.renewal_fixtures import an_admin, another_holder, holder_in_window

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture
def first(session):
    holder = holder_in_window(session, expires_in_days=10)
    holder.user.name = "Ann Archer"
    session.commit()
    return holder


def holder(session, first, name, email):
    made = another_holder(session, first, email=email)
    made.user.name = name
    session.commit()
    return made


def read_csv(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("per_page=0", "Rows per page must be a whole number from 1 to 100."),
        ("per_page=-1", "Rows per page must be a whole number from 1 to 100."),
        ("per_page=1000000000", "Rows per page must be a whole number from 1 to 100."),
        ("sort=password_hash", "This list cannot be sorted by “password_hash”."),
        ("order=sideways", "Order must be asc (ascending) or desc (descending)."),
        ("stage=everything", "“everything” is not one of the choices for Stage"),
        ("quarter=1850-Q1", "“1850-Q1” is not one of the choices for Expiring in"),
    ],
)
def test_what_the_renewals_list_does_not_offer_is_a_clear_400(client, session, query, message):
    login_as(client, an_admin(session))
    for url in (f"/admin/renewals?{query}", f"/admin/renewals?{query}&format=csv"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in text_of(response)


def test_renewals_are_searched_filtered_sorted_and_paged(client, session, first):
    quarter = quarter_of(first.certificate.expires_on)
    bo = holder(session, first, "Bo Baker", "bo@example.org")
    holder(session, first, "Cy Cole", "cy@example.org")
    later = holder(session, first, "Di Dunn", "di@example.org")
    later.certificate.expires_on += timedelta(days=200)  # another quarter
    session.add(
        RenewalApplication(
            certificate_id=bo.certificate.id,
            user_id=bo.user.id,
            cycle_expires_on=bo.certificate.expires_on,
            submitted_at=utcnow(),
        )
    )
    session.commit()
    login_as(client, an_admin(session))
    # This quarter and the certificates due, unless asked otherwise.
    page = text_of(client.get("/admin/renewals?sort=holder&per_page=1"))
    assert quarter.label in page and "Showing 1 to 1 of 2 certificates." in page
    assert "Ann Archer" in page and "Page 1 of 2." in page
    second = text_of(client.get("/admin/renewals?sort=holder&per_page=1&page=2"))
    assert "Cy Cole" in second and "Ann Archer" not in second
    backwards = text_of(client.get("/admin/renewals?sort=holder&order=desc"))
    assert backwards.index("Cy Cole") < backwards.index("Ann Archer")
    progress = text_of(client.get("/admin/renewals?stage=in_progress"))
    assert "Bo Baker" in progress and "Ann Archer" not in progress
    every = text_of(client.get("/admin/renewals?quarter=all"))
    assert "Di Dunn" in every and "Showing 1 to 3 of 3 certificates." in every
    found = text_of(client.get("/admin/renewals?quarter=all&q=di%40example"))
    assert "Di Dunn" in found and "Ann Archer" not in found
    by_number = text_of(client.get(f"/admin/renewals?q={first.certificate.number}"))
    assert "Ann Archer" in by_number and "Cy Cole" not in by_number
    # The quarter dropdown offers the quarters there are certificates in, and no "Any".
    html = client.get("/admin/renewals").get_data(as_text=True)
    later_quarter = quarter_of(later.certificate.expires_on)
    assert f'<option value="{later_quarter.key}"' in html
    assert '<select id="list-quarter" name="quarter">\n' in html
    assert (
        '<option value="">Any</option>'
        not in html.split('id="list-quarter"')[1].split("</select>")[0]
    )


def test_each_holder_links_to_their_person_page(client, session, first):
    login_as(client, an_admin(session))
    html = client.get("/admin/renewals").get_data(as_text=True)
    assert f'href="/admin/people/{first.user.id}"' in html


def test_the_export_has_what_the_filters_select_and_no_formulas(client, session, first):
    for n, name in enumerate(HOSTILE):
        holder(session, first, name, f"h{n}@example.org")
    later = holder(session, first, "Later Person", "later@example.org")
    later.certificate.expires_on += timedelta(days=200)
    session.commit()
    login_as(client, an_admin(session))
    response = client.get("/admin/renewals?format=csv&per_page=2")
    assert response.is_streamed
    rows = read_csv(response)
    assert rows[0][:4] == ["Holder", "Email", "Certificate", "Program"]
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(["Ann Archer", *("'" + name for name in HOSTILE)])  # not one page
    page = text_of(client.get("/admin/renewals"))
    assert f"Showing 1 to {len(names)} of {len(names)} certificates." in page
    every = read_csv(client.get("/admin/renewals?format=csv&quarter=all&q=later"))
    assert [row[0] for row in every[1:]] == ["Later Person"]
    xlsx = client.get("/admin/renewals?format=xlsx&quarter=all")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert xlsx.get_data()


@pytest.mark.parametrize("url", ["/admin/renewals", "/admin/renewals?format=csv"])
def test_the_renewals_list_is_for_administrators_only(client, session, first, url):
    reviewer = make_user(session, "rev@example.org", roles=(Role.REVIEWER,))
    session.commit()
    login_as(client, reviewer)
    assert client.get(url).status_code == 403
