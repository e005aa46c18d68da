"""Downloads of the administrators' lists: CSV and XLSX, streamed, every row the filters
select (not one page), and a text that a spreadsheet would run as a formula kept as text."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from portfolio.models import Role
from tests.helpers import login_as, make_user
from tests.integration.test_certificate_admin import certify
from tests.review_fixtures import make_framework, make_reviewer

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab"]
EXPORTED = (
    "/admin/applications",
    "/admin/certificates",
    "/admin/decisions",
    "/admin/reviews/overdue",
    "/admin/reviews/unassigned",
    "/admin/reviews/reviewers",
    "/admin/at-risk",
    "/admin/appeals",
    "/admin/renewals",
    "/admin/course-approvals",
    "/admin/providers",
    "/admin/users",
    "/admin/outbox",
    "/admin/jobs",
    "/admin/cohorts",
    "/admin/reviews/quality",
    "/admin/scholarship-pools",
    "/admin/recognition-agreements",
)


@pytest.fixture
def admin(client, session):
    user = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    login_as(client, user)
    return user


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_csv_has_every_row_the_filters_select_and_no_formulas(client, session, admin):
    framework = make_framework(session)
    for n, name in enumerate(HOSTILE):
        certify(session, framework, admin, email=f"h{n}@example.org", name=name)
    certify(session, framework, admin, email="plain@example.org", name="Plain Person")
    session.commit()
    response = client.get("/admin/certificates?format=csv&per_page=2")
    assert response.is_streamed
    rows = read_csv(response)
    assert rows[0] == ["Number", "Holder", "Program", "Issued on", "Valid until", "Status"]
    holders = sorted(row[1] for row in rows[1:])
    assert len(holders) == len(HOSTILE) + 1  # every row, not the page of 2
    assert sorted(["'" + name for name in HOSTILE] + ["Plain Person"]) == holders
    filtered = read_csv(client.get("/admin/certificates?format=csv&q=plain"))
    assert [row[1] for row in filtered[1:]] == ["Plain Person"]


def test_an_export_is_not_bounded_by_the_page_size(client, session, admin):
    for n in range(130):
        make_reviewer(session, f"r{n:03}@example.org", name=f"Reviewer {n:03}")
    session.commit()
    rows = read_csv(client.get("/admin/reviews/reviewers?format=csv&sort=email&order=asc"))
    assert len(rows) == 131
    assert [row[1] for row in rows[1:3]] == ["r000@example.org", "r001@example.org"]


def test_an_xlsx_is_a_workbook_with_the_text_kept_as_text(client, session, admin):
    framework = make_framework(session)
    certify(session, framework, admin, email="h@example.org", name=HOSTILE[0])
    session.commit()
    response = client.get("/admin/certificates?format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = (
            book.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in book.namelist()
            else ""
        )
    assert "<f>" not in sheet  # no formula cell anywhere
    assert f"<t>'{HOSTILE[0]}</t>" in (sheet + strings).replace("&quot;", '"')


@pytest.mark.parametrize("url", EXPORTED)
def test_every_list_downloads_as_csv_and_xlsx(client, session, admin, url):
    for kind in ("csv", "xlsx"):
        response = client.get(f"{url}?format={kind}")
        assert response.status_code == 200, (url, kind)
        assert response.headers["Content-Disposition"].endswith(f'.{kind}"')
        assert response.get_data()  # read to the end, as a browser would (it ends the stream)


@pytest.mark.parametrize("kind", ["pdf", "../etc/passwd", "CSV"])
def test_an_unknown_format_is_a_400(client, admin, kind):
    response = client.get(f"/admin/decisions?format={kind}")
    assert response.status_code == 400
    assert "Download as csv or xlsx." in response.get_data(as_text=True)


def test_exports_are_for_administrators_only(client, session):
    login_as(client, make_user(session, "casey@example.org", roles=(Role.CANDIDATE,)))
    assert client.get("/admin/certificates?format=csv").status_code == 403
