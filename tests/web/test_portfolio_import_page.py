"""Importing a portfolio export in a real browser: the page is reached from the portfolio, is
used with the keyboard alone, says what went wrong, and is axe-clean before and after."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile

from playwright.sync_api import Page, expect

from tests.web.conftest import assert_accessible
from tests.web.test_portfolio_pages import seed, sign_in

PDF = b"%PDF-1.7 the minutes " * 200


def export_zip(pdf: bytes = PDF) -> bytes:
    document = {
        "format": "portfolio-export",
        "version": 1,
        "exported_at": "2026-11-30T10:00:00+00:00",
        "person": {"name": "Bea", "email": "bea@elsewhere.example"},
        "program": {
            "slug": "pfx",
            "name": "Program pfx",
            "version": 1,
            "enrolled_on": "2026-01-01",
            "window_ends_on": "2030-01-01",
            "status": "active",
        },
        "learning_statement": "What I learned elsewhere.",
        "sets": [
            {
                "code": "S1",
                "name": "Set 1",
                "route": "portfolio",
                "status": "met",
                "competencies": [
                    {"code": "S1-1", "title": "C", "narrative": "Brought along.", "artifacts": [4]}
                ],
                "submissions": [],
            }
        ],
        "artifacts": [
            {
                "id": 4,
                "kind": "file",
                "caption": "Minutes",
                "description": "",
                "file": {
                    "path": "files/4-minutes.pdf",
                    "original_name": "minutes.pdf",
                    "content_type": "application/pdf",
                    "size": len(pdf),
                    "sha256": hashlib.sha256(pdf).hexdigest(),
                },
            }
        ],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("portfolio.json", json.dumps(document))
        archive.writestr("files/4-minutes.pdf", pdf)
    return out.getvalue()


def test_a_candidate_imports_with_the_keyboard(page: Page, live: str, live_app):
    seed(live_app)
    sign_in(page, live, "/me/portfolio")
    page.get_by_role("link", name="Bring your portfolio from another installation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bring your portfolio from another installation"
    )
    expect(page.get_by_text("Never imported: submissions")).to_be_visible()
    assert_accessible(page)

    upload = page.get_by_label("Portfolio export (zip)")
    upload.set_input_files(
        {"name": "not-a-zip.zip", "mimeType": "application/zip", "buffer": b"plain text"}
    )
    upload.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Import into my portfolio")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("not a zip archive")
    assert_accessible(page)

    upload = page.get_by_label("Portfolio export (zip)")
    upload.set_input_files(
        {"name": "portfolio.zip", "mimeType": "application/zip", "buffer": export_zip()}
    )
    upload.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portfolio is imported")
    expect(page.get_by_text("1 file")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})  # a phone: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="Go to your portfolio").click()
    expect(page.get_by_text("What I learned elsewhere.")).to_be_visible()


def test_a_large_export_goes_through_the_upload_widget_and_its_page_follows_the_job(
    page: Page, live: str, live_app, monkeypatch, tmp_path
):
    """Over the form's limit: the widget sends the zip in parts, the import page opens and
    shows the job's result (the job runs in-process here, right after the commit)."""
    monkeypatch.setitem(live_app.config, "PORTFOLIO_IMPORT_MAX_BYTES", 1024 * 1024)
    monkeypatch.setitem(live_app.config, "UPLOAD_SINGLE_POST_MAX", 1024 * 1024)
    monkeypatch.setitem(live_app.config, "UPLOAD_PART_BYTES", 5 * 1024 * 1024)
    seed(live_app)
    sign_in(page, live, "/me/portfolio/import")
    widget = page.locator("#import-upload")
    expect(widget).to_have_attribute("data-upload-ready", "true")
    expect(page.get_by_label("Large export, sent in parts (zip)")).to_be_visible()
    assert_accessible(page)
    big = PDF + os.urandom(6 * 1024 * 1024)
    zipped = tmp_path / "portfolio-pfx.zip"
    zipped.write_bytes(export_zip(big))
    page.get_by_label("Large export, sent in parts (zip)").set_input_files(str(zipped))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your portfolio is imported", timeout=30_000
    )
    expect(page.get_by_text("1 file (6.0 MB)")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
