"""The holder's own certificate page: the PDF on A4 or US Letter, the LinkedIn link, and what
anyone else, a revoked or an expired certificate, or a bad paper size gets (never a 500)."""

from __future__ import annotations

import html
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import event

from portfolio.domain.certification.printing import UNKNOWN_PAPER
from portfolio.extensions import db
from portfolio.services.certification.pdf import CjkFonts
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.integration.test_certificate_pages import certified

TODAY = clock.today()
NAME = "Zoë Ñúñez-Ålvik"
PUBLIC = "http://localhost/certificates/{number}"  # PUBLIC_BASE_URL in the tests' settings
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def holder(client, session):
    world, certificate = certified(session, issued_on=date(2026, 1, 5), expires_on=date(2099, 1, 4))
    world.candidate.name = NAME
    session.commit()
    login_as(client, world.candidate)
    return world, certificate


def page_of(response) -> str:
    return response.get_data(as_text=True)


def links_of(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', page)]


def test_the_dashboard_leads_to_the_holders_certificate_page(client, holder):
    _world, certificate = holder
    dashboard = page_of(client.get("/me/"))
    assert f"/me/certificates/{certificate.id}" in links_of(dashboard)
    response = client.get(f"/me/certificates/{certificate.id}")
    assert response.status_code == 200
    page = page_of(response)
    assert "<h1>Your certificate</h1>" in page
    assert f"<dt>Holder</dt><dd>{html.escape(NAME)}</dd>" in page
    assert f"<dt>Certificate number</dt><dd>{certificate.number}</dd>" in page
    assert "<li>CORE Core skills (required): Met by portfolio review</li>" in page
    links = links_of(page)
    assert f"/me/certificates/{certificate.id}/certificate.pdf?paper=a4" in links
    assert f"/me/certificates/{certificate.id}/certificate.pdf?paper=letter" in links
    assert ">PDF, A4</a>" in page and ">PDF, US Letter</a>" in page
    assert f"/certificates/{certificate.number}" in links


def test_the_linkedin_link_carries_the_certificate_url_encoded(client, holder):
    _world, certificate = holder
    page = page_of(client.get(f"/me/certificates/{certificate.id}"))
    [link] = [href for href in links_of(page) if href.startswith("https://www.linkedin.com/")]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert " " not in link and "+" not in parts.query  # spaces are %20, never raw or "+"
    assert parse_qs(parts.query, strict_parsing=True) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Test Program"],
        "organizationName": ["Portfolio Certification Office"],
        "issueYear": ["2026"],
        "issueMonth": ["1"],
        "expirationYear": ["2099"],
        "expirationMonth": ["1"],
        "certUrl": [PUBLIC.format(number=certificate.number)],
        "certId": [certificate.number],
    }
    assert 'rel="noopener noreferrer" target="_blank">Add to LinkedIn profile</a>' in page


def test_with_a_company_id_the_link_names_the_organisation_by_it(app, client, holder, monkeypatch):
    _world, certificate = holder
    monkeypatch.setitem(app.config, "LINKEDIN_ORGANIZATION_ID", "1337")
    page = page_of(client.get(f"/me/certificates/{certificate.id}"))
    [link] = [href for href in links_of(page) if href.startswith("https://www.linkedin.com/")]
    query = parse_qs(urlsplit(link).query)
    assert query["organizationId"] == ["1337"] and "organizationName" not in query


def writes_during(app, fetch):
    statements = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if WRITES.match(statement):
            statements.append(statement)

    engine = db.engine_for(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = fetch()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return response, statements


def test_the_holder_downloads_the_pdf_on_either_paper_and_no_get_writes(app, client, holder):
    _world, certificate = holder
    page, writes = writes_during(app, lambda: client.get(f"/me/certificates/{certificate.id}"))
    assert page.status_code == 200 and writes == []
    url = f"/me/certificates/{certificate.id}/certificate.pdf"
    sizes = {}
    for paper, points in (("a4", (841.89, 595.28)), ("letter", (792.0, 612.0))):
        response, writes = writes_during(app, lambda p=paper: client.get(f"{url}?paper={p}"))
        assert writes == []
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        name = f"certificate-{certificate.number}-{paper}.pdf"
        assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{name}"')
        assert "no-store" in response.headers["Cache-Control"]
        document = pdfium.PdfDocument(response.data)
        page = document[0]
        assert page.get_size() == pytest.approx(points, abs=0.1)
        text = " ".join(page.get_textpage().get_text_range().split())
        assert NAME in text and "Test Program" in text
        assert "CORE Core skills (required): Met by portfolio review" in text
        assert f"Certificate number {certificate.number}" in text
        assert "Issued on 5 January 2026" in text and "Valid until 4 January 2099" in text
        sizes[paper] = page.get_size()
        if paper == "a4":  # one decode is enough here; test_certificate_pdf checks both
            image = page.render(scale=3).to_pil()
            codes = [c.text for c in zxingcpp.read_barcodes(image)]
            assert codes == [PUBLIC.format(number=certificate.number)]
    assert sizes["a4"] != sizes["letter"]


def test_without_a_paper_the_pdf_is_a4_and_an_unknown_paper_is_refused(client, holder):
    _world, certificate = holder
    url = f"/me/certificates/{certificate.id}/certificate.pdf"
    default = client.get(url)
    assert default.status_code == 200
    assert pdfium.PdfDocument(default.data)[0].get_size() == pytest.approx((841.89, 595.28), 0.01)
    for paper in ("a3", "", "LETTER ", "letter'--", "x" * 5000):
        response = client.get(url, query_string={"paper": paper})
        if paper == "LETTER ":
            assert response.status_code == 200  # any case, surrounding space forgiven
            continue
        assert response.status_code == 422, paper
        assert UNKNOWN_PAPER in page_of(response)


def test_nobody_else_sees_or_downloads_the_certificate(client, session, holder):
    _world, certificate = holder
    urls = (
        f"/me/certificates/{certificate.id}",
        f"/me/certificates/{certificate.id}/certificate.pdf",
        f"/me/certificates/{certificate.id}/certificate.pdf?paper=nonsense",
    )
    other = make_user(session, "other@example.org", name="Other Person")
    session.commit()  # a 404 rolls back what is pending
    login_as(client, other)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert NAME not in page_of(response) and certificate.number not in page_of(response)
    with client.session_transaction() as flask_session:
        flask_session.clear()
    for url in urls:
        assert client.get(url).status_code in (302, 401)


def test_unknown_certificates_are_not_found(client, holder):
    for url in (
        "/me/certificates/999999",
        "/me/certificates/999999/certificate.pdf",
        "/me/certificates/99999999999999999999999/certificate.pdf",
        "/me/certificates/-1/certificate.pdf",
    ):
        assert client.get(url).status_code == 404, url


def test_a_revoked_certificate_has_no_pdf_and_no_profile_link(client, session, holder):
    _world, certificate = holder
    certificate.revoked_at = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
    certificate.revoked_reason = "Issued in error."
    session.commit()
    page = page_of(client.get(f"/me/certificates/{certificate.id}"))
    assert "Status: <strong>Revoked on 3 February 2026</strong>" in page
    assert "certificate.pdf" not in page and "linkedin.com" not in page
    assert "has no PDF" in page or "no PDF" in page
    response = client.get(f"/me/certificates/{certificate.id}/certificate.pdf?paper=letter")
    assert response.status_code == 410
    assert response.mimetype == "text/html"
    assert (
        f"Revoked on 3 February 2026: certificate {certificate.number} was revoked, so it has "
        "no PDF to print or share." in page_of(response)
    )


def test_an_expired_certificate_has_no_pdf_either(client, session, holder):
    _world, certificate = holder
    certificate.issued_on, certificate.expires_on = date(2020, 3, 4), TODAY - timedelta(days=1)
    session.commit()
    page = page_of(client.get(f"/me/certificates/{certificate.id}"))
    assert "Status: <strong>Expired on" in page and "certificate.pdf" not in page
    response = client.get(f"/me/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 410
    assert "has expired, so it has no PDF to print or share" in page_of(response)


def test_the_public_page_offers_no_pdf(client, holder):
    _world, certificate = holder
    page = page_of(client.get(f"/certificates/{certificate.number}"))
    assert ".pdf" not in page and "linkedin" not in page.lower()
    assert "Core skills" not in page  # the sets met stay the holder's to share


def test_a_name_the_font_cannot_print_gets_a_clear_answer_not_boxes(client, session, holder):
    world, certificate = holder
    world.candidate.name = "བཀྲ Tashi"  # Tibetan: in neither DejaVu nor Noto Sans CJK
    session.commit()
    page = page_of(client.get(f"/me/certificates/{certificate.id}"))
    assert "cannot be printed yet: its font has no letters for བ, ཀ, ྲ." in page
    assert "certificate.pdf" not in page
    assert "linkedin.com" in page  # sharing by link needs no font
    response = client.get(f"/me/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 409
    assert "its font has no letters for བ, ཀ, ྲ" in page_of(response)


def test_a_chinese_name_prints_with_the_cjk_fonts_and_without_them_is_explained(
    app, client, session, holder, monkeypatch
):
    cjk = CjkFonts.in_folder(Path(app.config["CERTIFICATE_CJK_FONT_DIR"]))
    if cjk is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Noto Sans CJK is required under CI (make tools installs fonts-noto-cjk)")
        pytest.skip("Noto Sans CJK (fonts-noto-cjk) is not installed")
    world, certificate = holder
    world.candidate.name = "王小明 Ming Wang"
    session.commit()
    assert "certificate.pdf" in page_of(client.get(f"/me/certificates/{certificate.id}"))
    response = client.get(f"/me/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 200
    text = pdfium.PdfDocument(response.data)[0].get_textpage().get_text_range()
    assert "王小明 Ming Wang" in text

    # Where the fonts are not installed, the same name is explained, not printed as boxes.
    monkeypatch.setitem(app.config, "CERTIFICATE_CJK_FONT_DIR", "/nonexistent/noto")
    response = client.get(f"/me/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 409
    assert "its font has no letters for 王, 小, 明" in page_of(response)


def test_a_hebrew_name_prints(client, session, holder):
    world, certificate = holder
    world.candidate.name = "דוד כהן"
    session.commit()
    response = client.get(f"/me/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 200
    text = pdfium.PdfDocument(response.data)[0].get_textpage().get_text_range()
    assert "דוד" in text and "כהן" in text


def test_pdfs_are_limited_per_account(app, client, holder, monkeypatch):
    _world, certificate = holder
    monkeypatch.setitem(app.config, "CERTIFICATE_PDF_LIMIT", "2 per minute")
    url = f"/me/certificates/{certificate.id}/certificate.pdf?paper=bogus"  # cheap: a 422
    assert [client.get(url).status_code for _ in range(3)] == [422, 422, 429]
    assert client.get(f"/me/certificates/{certificate.id}").status_code == 200  # the page is not
