"""The upload widget in Chromium: hash, send, progress, resume, verdict, against the live app.

No page of this feature's own hosts the widget (the portfolio entry page does), so each test
signs in, opens the home page and drops the rendered partial into it, loading the scripts by
URL as the CSP requires. The live app uses the local backend (same origin), except the tests
at the end, which post to moto's S3 server on another origin, as a browser reaches real S3.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template
from playwright.sync_api import Page, Response, Route, expect

from portfolio.extensions import db
from portfolio.models import Role, Upload, UploadStatus
from portfolio.storage import StorageUnavailable
from portfolio.storage.s3 import S3Store
from portfolio.storage_binding import EXTENSION_KEY
from tests.helpers import make_user
from tests.upload_helpers import checksum, fingerprint_of, use_store
from tests.web.conftest import assert_accessible

PASSWORD = "uploads travel straight to storage"
MiB = 1024 * 1024

INJECT = """([html]) => {
  const main = document.querySelector("main");
  main.insertAdjacentHTML("beforeend", html);
  const token = document.querySelector('input[name="csrf_token"]').value;
  document.querySelector("[data-upload-widget]").dataset.csrfToken = token;
  for (const src of ["/static/vendor/js-sha256-0.11.1/sha256.min.js", "/static/js/upload.js"]) {
    const script = document.createElement("script");
    script.src = src;
    script.async = false;
    document.body.append(script);
  }
}"""


def widget_html(app: Flask, **extra: object) -> str:
    with app.test_request_context("/"):
        html = render_template("uploads/widget.html", **extra)
    return re.sub(r"<script.*?</script>", "", html, flags=re.S)  # added by INJECT instead


@pytest.fixture
def signed_in(page: Page, live: str, live_app: Flask) -> Iterator[Page]:
    with live_app.app_context():
        make_user(db.session, "widget@example.org", password=PASSWORD, roles=(Role.CANDIDATE,))
        db.session.commit()
    page.goto(live + "/sign-in")
    page.get_by_label("Email address").fill("widget@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    yield page


def open_widget(page: Page, live: str, app: Flask, **extra: object) -> None:
    page.goto(live + "/")
    page.evaluate(INJECT, [widget_html(app, **extra)])
    expect(page.get_by_label("File to upload")).to_be_visible()
    expect(page.locator("[data-upload-ready=true]")).to_be_attached()


def uploads(app: Flask) -> list[Upload]:
    with app.app_context():
        return list(db.session.query(Upload).order_by(Upload.id))


def test_a_pdf_is_hashed_sent_checked_and_handed_to_the_form(
    signed_in: Page, live: str, live_app: Flask
) -> None:
    page = signed_in
    open_widget(page, live, live_app, upload_target="chosen-upload")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<input type="hidden" id="chosen-upload">\')'
    )
    assert_accessible(page)
    content = b"%PDF-1.7\n" + os.urandom(300_000)
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "Reference desk log.pdf", "mimeType": "application/pdf", "buffer": content}]
    )
    status = page.get_by_role("status").filter(has_text="Reference desk log.pdf")
    expect(status).to_have_text("Reference desk log.pdf (293.0 KB) was checked and saved.")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "100")
    (upload,) = uploads(live_app)
    assert upload.status == UploadStatus.VERIFIED
    assert upload.sha256 == hashlib.sha256(content).hexdigest()  # the browser's hash was right
    assert page.locator("#chosen-upload").input_value() == str(upload.id)
    assert_accessible(page)


def test_a_refused_file_shows_the_servers_reason(
    signed_in: Page, live: str, live_app: Flask
) -> None:
    page = signed_in
    open_widget(page, live, live_app)
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"<html>hi</html>"}]
    )
    expect(page.get_by_role("status").filter(has_text="notes.pdf")).to_have_text(
        "notes.pdf was not accepted: Web pages (HTML) are not accepted. Save the page as PDF "
        "instead."
    )
    assert [u.status for u in uploads(live_app)] == [UploadStatus.REJECTED]


def answer_instead(statuses: list[str]) -> object:
    """A route handler: the next polls of the upload answer these statuses, as a check that
    takes its time (or fails) would; the rest pass through."""
    polls: list[str] = []

    def handle(route: Route) -> None:
        response = route.fetch()
        if route.request.method != "GET" or len(polls) >= len(statuses):
            route.fulfill(response=response)
            return
        data = response.json()
        data["upload"]["status"] = statuses[len(polls)]
        if data["upload"]["status"] == "check_failed":
            data["upload"]["reason"] = "The file could not be checked just now."
        polls.append(data["upload"]["status"])
        route.fulfill(response=response, json=data)

    handle.polls = polls  # type: ignore[attr-defined]
    return handle


def test_the_widget_shows_checking_until_the_check_has_finished(
    signed_in: Page, live: str, live_app: Flask
) -> None:
    page = signed_in
    open_widget(page, live, live_app)
    slow_check = answer_instead(["checking", "checking"])
    page.route(re.compile(r".*/api/uploads/\d+$"), slow_check)
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" * 99}]
    )
    status = page.get_by_role("status").filter(has_text="minutes.pdf")
    expect(status).to_have_text("Checking minutes.pdf on the server…")
    expect(page.locator("[data-upload-checking=true]")).to_be_attached()
    expect(status).to_have_text("minutes.pdf (891 bytes) was checked and saved.")
    assert slow_check.polls == ["checking", "checking"]  # type: ignore[attr-defined]
    assert [u.status for u in uploads(live_app)] == [UploadStatus.VERIFIED]


def test_a_check_that_could_not_run_says_so_and_resume_asks_again(
    signed_in: Page, live: str, live_app: Flask
) -> None:
    page = signed_in
    open_widget(page, live, live_app)
    page.route(re.compile(r".*/api/uploads/\d+$"), answer_instead(["check_failed"]))
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method + " " + r.url.split("/")[-1]))
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "log.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" * 99}]
    )
    status = page.get_by_role("status").filter(has_text="could not be checked")
    expect(status).to_contain_text("Resume upload")
    posts = [s for s in sent if s.startswith("POST")]

    page.get_by_role("button", name="Resume upload").click()

    expect(page.get_by_role("status").filter(has_text="log.pdf")).to_have_text(
        "log.pdf (891 bytes) was checked and saved."
    )
    again = [s for s in sent if s.startswith("POST")][len(posts) :]
    assert again == ["POST complete"]  # the bytes were not sent again, only the check asked
    assert [u.status for u in uploads(live_app)] == [UploadStatus.VERIFIED]


def test_a_dropped_part_is_resumed_without_sending_the_others_again(
    signed_in: Page, live: str, live_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(live_app.config, "UPLOAD_SINGLE_POST_MAX", 1 * MiB)
    monkeypatch.setitem(live_app.config, "UPLOAD_PART_BYTES", 5 * MiB)
    page = signed_in
    open_widget(page, live, live_app)
    page.evaluate("document.querySelector('[data-upload-widget]').dataset.retries = '0'")
    dropped: list[str] = []

    def drop_first_put_of_a_part(route: Route) -> None:
        if route.request.method == "PUT" and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
            return
        route.continue_()

    page.route(PART_PUT, drop_first_put_of_a_part)
    stored: list[str] = []
    page.on(
        "response",
        lambda r: stored.append(r.url) if r.request.method == "PUT" and r.status == 200 else None,
    )
    content = b"%PDF-1.7\n" + os.urandom(11 * MiB)
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "big.pdf", "mimeType": "application/pdf", "buffer": content}]
    )
    resume = page.get_by_role("button", name="Resume upload")
    expect(resume).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Resume")).to_contain_text(
        "The connection was lost while sending the file."
    )
    for _ in range(100):  # the two parts already on their way arrive
        if len(stored) == 2:
            break
        page.wait_for_timeout(100)
    assert len(stored) == 2
    resume.click()
    expect(page.get_by_role("status").filter(has_text="big.pdf")).to_have_text(
        re.compile(r"big\.pdf \(11\.0 MB\) was checked and saved\.")
    )
    assert len(stored) == 3, "only the dropped part was sent again"
    (upload,) = uploads(live_app)
    assert upload.status == UploadStatus.VERIFIED
    assert upload.sha256 is None  # checked by parts: the fingerprint is their composite
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)


class ReadOutage:
    """Reading an object back fails while `down`: a check that joined the parts, then met a
    store outage (the check failed; nothing was lost)."""

    down = False


@pytest.fixture
def reads_fail(live_app: Flask, monkeypatch: pytest.MonkeyPatch) -> ReadOutage:
    """Files go in 5 MB parts to the live app's store, whose reads fail when told to."""
    monkeypatch.setitem(live_app.config, "UPLOAD_SINGLE_POST_MAX", 1 * MiB)
    monkeypatch.setitem(live_app.config, "UPLOAD_PART_BYTES", 5 * MiB)
    store = live_app.extensions[EXTENSION_KEY]
    outage = ReadOutage()
    for name in ("stat", "read_range", "iter_chunks", "iter_range"):

        def read(*args: object, _real=getattr(store, name), **kwargs: object) -> object:  # type: ignore[no-untyped-def]
            if outage.down:
                raise StorageUnavailable()
            return _real(*args, **kwargs)

        monkeypatch.setattr(store, name, read)
    return outage


def a_multipart_upload_whose_check_failed(
    page: Page, live: str, live_app: Flask, store: ReadOutage, chosen: Path
) -> None:
    """Sends the file in parts; the check joins them and fails: the widget offers Resume.
    (A file on disk, so that choosing it again after a reload gives the same modification
    time, by which the widget knows it.)"""

    def outage_from_the_check_on(route: Route) -> None:
        store.down = True
        route.continue_()

    page.route(re.compile(r".*/complete$"), outage_from_the_check_on)
    open_widget(page, live, live_app)
    page.get_by_label("File to upload").set_input_files(chosen)
    expect(page.get_by_role("status").filter(has_text="could not be checked")).to_contain_text(
        "Resume upload", timeout=60_000
    )
    (upload,) = uploads(live_app)
    assert upload.status == UploadStatus.PENDING and upload.check_failed_at is not None
    page.unroute(re.compile(r".*/complete$"))
    store.down = False


def test_resume_after_a_failed_check_of_joined_parts_asks_only_for_the_check(
    signed_in: Page, live: str, live_app: Flask, reads_fail: ReadOutage, tmp_path: Path
) -> None:
    page = signed_in
    content = b"%PDF-1.7\n" + os.urandom(11 * MiB)
    chosen = tmp_path / "big.pdf"
    chosen.write_bytes(content)
    a_multipart_upload_whose_check_failed(page, live, live_app, reads_fail, chosen)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method + " " + r.url.split("/")[-1]))

    page.get_by_role("button", name="Resume upload").click()

    expect(page.get_by_role("status").filter(has_text="big.pdf")).to_have_text(
        re.compile(r"big\.pdf \(11\.0 MB\) was checked and saved\."), timeout=30_000
    )

    assert "GET parts" not in sent  # the store lists no parts once they are joined
    assert [s for s in sent if not s.startswith("GET")] == ["POST complete"]
    (upload,) = uploads(live_app)
    assert upload.status == UploadStatus.VERIFIED
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)


def test_after_a_reload_the_same_file_resumes_a_failed_check_without_sending_it_again(
    signed_in: Page, live: str, live_app: Flask, reads_fail: ReadOutage, tmp_path: Path
) -> None:
    page = signed_in
    content = b"%PDF-1.7\n" + os.urandom(11 * MiB)
    chosen = tmp_path / "big.pdf"
    chosen.write_bytes(content)
    a_multipart_upload_whose_check_failed(page, live, live_app, reads_fail, chosen)
    sent: list[str] = []

    open_widget(page, live, live_app)  # a reload: the widget starts afresh
    page.on("request", lambda r: sent.append(r.method + " " + r.url.split("/")[-1]))
    page.get_by_label("File to upload").set_input_files(chosen)  # the same file again

    expect(page.get_by_role("status").filter(has_text="big.pdf")).to_have_text(
        re.compile(r"big\.pdf \(11\.0 MB\) was checked and saved\."), timeout=30_000
    )

    assert [s for s in sent if not s.startswith("GET")] == ["POST complete"]
    (upload,) = uploads(live_app)  # the same upload, not a second one
    assert upload.status == UploadStatus.VERIFIED
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)


def test_a_check_still_running_after_a_while_says_so_and_offers_resume(
    signed_in: Page, live: str, live_app: Flask
) -> None:
    page = signed_in
    open_widget(page, live, live_app)
    page.evaluate("document.querySelector('[data-upload-widget]').dataset.pollLimit = '1500'")
    page.route(re.compile(r".*/api/uploads/\d+$"), answer_instead(["checking"] * 100))
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "slow.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" * 99}]
    )
    status = page.get_by_role("status").filter(has_text="slow.pdf")
    expect(status).to_have_text(
        "slow.pdf is still being checked on the server. Choose Resume upload to look again, "
        "or reload the page later and choose the file again."
    )
    expect(page.locator("[data-upload-checking]")).to_have_count(0)  # it stopped looking
    page.unroute(re.compile(r".*/api/uploads/\d+$"))

    page.get_by_role("button", name="Resume upload").click()

    expect(status).to_have_text("slow.pdf (891 bytes) was checked and saved.")


def test_cancel_drops_the_upload(signed_in: Page, live: str, live_app: Flask) -> None:
    page = signed_in
    open_widget(page, live, live_app)
    held: list[Route] = []
    page.route(re.compile(r".*/files/upload/.*"), lambda route: held.append(route))  # no answer
    with page.expect_request(re.compile(r".*/files/upload/.*")):
        page.get_by_label("File to upload").set_input_files(
            files=[{"name": "slow.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" * 9}]
        )
    cancel = page.get_by_role("button", name="Cancel upload")
    expect(cancel).to_be_visible()
    cancel.click()
    expect(page.get_by_role("status").filter(has_text="cancelled")).to_have_text(
        "Upload cancelled. Nothing was kept."
    )
    (upload,) = uploads(live_app)
    assert upload.status == UploadStatus.REJECTED
    assert upload.rejection_reason == "You cancelled this upload."
    # The chooser is empty and has the focus (the hidden Cancel button had it), so that the same
    # file chosen again starts a new upload rather than nothing.
    chooser = page.get_by_label("File to upload")
    expect(chooser).to_be_focused()
    expect(chooser).to_have_value("")
    with page.expect_request(re.compile(r".*/files/upload/.*")):
        chooser.set_input_files(
            files=[{"name": "slow.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" * 9}]
        )
    expect(page.get_by_role("button", name="Cancel upload")).to_be_visible()


def test_a_bare_placeholder_becomes_a_widget_that_attaches_the_file(
    signed_in: Page, live: str, live_app: Flask
) -> None:
    """The portfolio entry page's <div id="upload-widget" data-attach-url=...> placeholder."""
    page = signed_in
    page.goto(live + "/")
    attached: list[object] = []

    def attach(route: Route) -> None:
        attached.append(route.request.post_data_json)
        route.fulfill(status=201, json={"artifact_id": 41, "caption": "x"})

    page.route(re.compile(r".*/me/portfolio/entries/9/files$"), attach)
    page.evaluate(
        INJECT.replace("[data-upload-widget]", "#upload-widget"),
        [
            '<div id="upload-widget" data-attach-url="/me/portfolio/entries/9/files">'
            "<p>The file uploader appears here.</p></div>"
        ],
    )
    expect(page.locator("#upload-widget[data-upload-ready=true]")).to_be_attached()
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "minutes.txt", "mimeType": "text/plain", "buffer": b"Minutes.\n"}]
    )
    status = page.get_by_role("status").filter(has_text="minutes.txt")
    expect(status).to_contain_text("minutes.txt was checked and added as evidence.")
    expect(status.get_by_role("link", name="Show it in the list")).to_have_attribute(
        "href", "/?added=41#artifacts"
    )
    (upload,) = uploads(live_app)
    assert upload.status == UploadStatus.VERIFIED
    assert attached == [{"upload_id": upload.id}]
    assert_accessible(page)


# --- straight to S3 (moto over HTTP, another origin): the CSP must let exactly that through --

CSP_VIOLATIONS = """() => {
  window.cspBlocked = [];
  document.addEventListener("securitypolicyviolation", (e) => window.cspBlocked.push(e.blockedURI));
}"""


@pytest.fixture
def s3_live_app(live_app: Flask, s3_store: S3Store) -> Iterator[Flask]:
    with use_store(live_app, s3_store):
        yield live_app


def test_a_pdf_goes_straight_to_s3_which_the_csp_allows(
    signed_in: Page, live: str, s3_live_app: Flask, moto_endpoint: str
) -> None:
    page = signed_in
    open_widget(page, live, s3_live_app)
    page.evaluate(CSP_VIOLATIONS)
    content = b"%PDF-1.7\n" + os.urandom(50_000)
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": content}]
    )
    status = page.get_by_role("status").filter(has_text="minutes.pdf")
    expect(status).to_have_text("minutes.pdf (48.8 KB) was checked and saved.")
    (upload,) = uploads(s3_live_app)
    assert upload.status == UploadStatus.VERIFIED
    assert page.evaluate("window.cspBlocked") == []
    # Another bucket on the same endpoint is out of reach: the policy names this bucket only.
    other = moto_endpoint + "/someone-elses-bucket/"
    outcome = page.evaluate(
        "(url) => fetch(url, {method: 'PUT', body: 'secret'}).then(() => 'sent', () => 'refused')",
        other,
    )
    assert outcome == "refused"
    assert page.evaluate("window.cspBlocked") == [other]


def test_a_page_cannot_send_data_to_an_origin_other_than_the_store(
    signed_in: Page, live: str, live_app: Flask, moto_endpoint: str
) -> None:
    # With the local store (the live app's own), the moto origin is just another site.
    page = signed_in
    page.goto(live + "/")
    page.evaluate(CSP_VIOLATIONS)
    outcome = page.evaluate(
        "(url) => fetch(url, {method: 'POST', body: 'secret'}).then(() => 'sent', () => 'refused')",
        moto_endpoint + "/",
    )
    assert outcome == "refused"
    assert page.evaluate("window.cspBlocked") == [moto_endpoint + "/"]


# --- files checked part by part: hashed in a worker while sent; bad input from the browser ----


@pytest.fixture
def in_parts(live_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files over 1 MB go in 5 MB parts (S3's smallest), each hashed and reported."""
    monkeypatch.setitem(live_app.config, "UPLOAD_SINGLE_POST_MAX", 1 * MiB)
    monkeypatch.setitem(live_app.config, "UPLOAD_PART_BYTES", 5 * MiB)


# A part's PUT: to the local store's part or staged-part route, or to S3 (a staged part's own
# object, "<key>.part00001", or a part of the store's multipart upload, "?partNumber=1").
PART_PUT = re.compile(r".*/files/(part|put)/.*")
PART_LINKS = re.compile(r".*/api/uploads/\d+/parts/links$")
PARTS_SENT = re.compile(r".*/api/uploads/\d+/parts/sent$")


def part_links_asked(request: Any) -> dict[int, str]:
    """Each part whose link a request of the widget's asks for, with the digest it gives."""
    if request.method != "POST" or not PART_LINKS.match(request.url):
        return {}
    return {p["part_number"]: p["sha256"] for p in request.post_data_json["parts"]}


def parts_reported(request: Any) -> list[int]:
    """The parts a request of the widget's reports sent."""
    if request.method != "POST" or not PARTS_SENT.match(request.url):
        return []
    return list(request.post_data_json["parts"])


def watch_parts(page: Page) -> list[tuple[str, int, str | None]]:
    """("link", part, None) when a part's link is asked for, ("put", part, its
    x-amz-checksum-sha256 header) when the part is sent: in the order the page did them."""
    seen: list[tuple[str, int, str | None]] = []

    def note(request: object) -> None:
        url, method = request.url, request.method  # type: ignore[attr-defined]
        seen.extend(("link", number, None) for number in part_links_asked(request))
        number = re.search(r"[?&]partNumber=(\d+)|\.part(\d{5})(?:\?|$)", url)
        if method == "PUT" and (number or PART_PUT.match(url)):
            headers = request.all_headers()  # type: ignore[attr-defined]
            part = int(number[1] or number[2]) if number else 0
            seen.append(("put", part, headers.get("x-amz-checksum-sha256")))

    page.on("request", note)
    return seen


# Every text the widget writes into its percentage, in order (a write of the same text counts).
WATCH_PERCENT = """() => {
  window.percentShown = [];
  const percent = document.querySelector("[data-upload-percent]");
  new MutationObserver((records) => {
    for (const record of records) {  // the text each write put there (one text node each)
      for (const node of record.addedNodes) window.percentShown.push(node.textContent);
    }
  }).observe(percent, { childList: true });
}"""


def test_parts_are_hashed_in_a_worker_and_the_fingerprint_is_their_composite(
    signed_in: Page, live: str, live_app: Flask, in_parts: None, tmp_path: Path
) -> None:
    page = signed_in
    content = b"%PDF-1.7\n" + os.urandom(16 * MiB)
    chosen = tmp_path / "portfolio.pdf"
    chosen.write_bytes(content)
    workers: list[str] = []
    page.on("worker", lambda worker: workers.append(worker.url))
    open_widget(page, live, live_app)
    page.evaluate(WATCH_PERCENT)
    page.get_by_label("File to upload").set_input_files(chosen)
    expect(page.get_by_role("status").filter(has_text="portfolio.pdf")).to_have_text(
        "portfolio.pdf (16.0 MB) was checked and saved.", timeout=30_000
    )
    assert [url.rsplit("/", 1)[-1] for url in workers] == ["upload-hash-worker.js"]
    # The percentage is rewritten only when it changes (each write costs a layout and paint,
    # while several parts report their progress many times a second): at most once per step.
    shown = page.evaluate("window.percentShown")
    assert shown[-1] == "100%", shown
    assert all(before != after for before, after in itertools.pairwise(shown)), shown
    (upload,) = uploads(live_app)
    assert upload.status == UploadStatus.VERIFIED
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)
    assert upload.fingerprint.endswith(f"-4x{5 * MiB}")


def test_the_next_parts_link_is_asked_for_while_a_part_is_on_its_way(
    signed_in: Page, live: str, live_app: Flask, in_parts: None
) -> None:
    """No part waits for a round trip to the site before it goes: with one part sent at a
    time, part 2's link is asked for (with its digest) while part 1 is still being sent, in
    one request with the links of the parts hashed after it."""
    page = signed_in
    open_widget(page, live, live_app)
    page.evaluate("document.querySelector('[data-upload-widget]').dataset.parallelParts = '1'")
    held: list[Route] = []

    def hold_the_first_part(route: Route) -> None:
        if route.request.method == "PUT" and not held:
            held.append(route)  # answered below, once part 2's link was asked for
            return
        route.continue_()

    page.route(PART_PUT, hold_the_first_part)
    links: dict[int, str] = {}
    asked: list[list[int]] = []

    def note_links(request: Any) -> None:
        named = part_links_asked(request)
        links.update(named)
        if named:
            asked.append(list(named))

    page.on("request", note_links)
    content = b"%PDF-1.7\n" + os.urandom(12 * MiB)
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "ahead.pdf", "mimeType": "application/pdf", "buffer": content}]
    )
    for _ in range(150):
        if held and 2 in links:
            break
        page.wait_for_timeout(100)
    assert held, "part 1 was sent"
    assert links.get(2) == hashlib.sha256(content[5 * MiB : 10 * MiB]).hexdigest()
    assert asked[0] == [1]  # the first part's link at once, not once the file is hashed
    held[0].continue_()
    expect(page.get_by_role("status").filter(has_text="ahead.pdf")).to_have_text(
        "ahead.pdf (12.0 MB) was checked and saved."
    )
    assert sorted(number for batch in asked for number in batch) == [1, 2, 3]  # each once
    assert links[3] == hashlib.sha256(content[10 * MiB :]).hexdigest()
    (upload,) = uploads(live_app)
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)


def test_parts_are_linked_and_reported_several_at_a_time_each_once(
    signed_in: Page, live: str, live_app: Flask, in_parts: None, tmp_path: Path
) -> None:
    """Each request costs the browser and the site about as much as hashing a few megabytes:
    the links of the parts hashed ahead come in one answer, and parts that land within a second
    of each other are reported in one request (the last ones at once). Every part is linked
    and reported exactly once, and the file counts."""
    page = signed_in
    content = b"%PDF-1.7\n" + os.urandom(40 * MiB - 9)  # 8 parts
    chosen = tmp_path / "batches.pdf"
    chosen.write_bytes(content)
    open_widget(page, live, live_app)
    page.evaluate("document.querySelector('[data-upload-widget]').dataset.parallelParts = '2'")
    links: list[list[int]] = []
    reports: list[list[int]] = []

    def note(request: Any) -> None:
        if named := list(part_links_asked(request)):
            links.append(named)
        if reported := parts_reported(request):
            reports.append(reported)

    page.on("request", note)
    page.get_by_label("File to upload").set_input_files(chosen)
    expect(page.get_by_role("status").filter(has_text="batches.pdf")).to_have_text(
        "batches.pdf (40 MB) was checked and saved.", timeout=60_000
    )
    assert sorted(number for batch in links for number in batch) == list(range(1, 9)), links
    assert sorted(number for batch in reports for number in batch) == list(range(1, 9)), reports
    assert len(links) < 8 and len(reports) < 8, (links, reports)
    (upload,) = uploads(live_app)
    assert upload.status == UploadStatus.VERIFIED
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)


def test_each_part_is_sent_with_the_checksum_its_link_was_signed_for(
    signed_in: Page, live: str, live_app: Flask, in_parts: None, tmp_path: Path
) -> None:
    page = signed_in
    content = b"%PDF-1.7\n" + os.urandom(16 * MiB)
    chosen = tmp_path / "portfolio.pdf"
    chosen.write_bytes(content)
    seen = watch_parts(page)
    open_widget(page, live, live_app)
    page.get_by_label("File to upload").set_input_files(chosen)
    expect(page.get_by_role("status").filter(has_text="portfolio.pdf")).to_have_text(
        "portfolio.pdf (16.0 MB) was checked and saved.", timeout=30_000
    )
    parts = [content[at : at + 5 * MiB] for at in range(0, len(content), 5 * MiB)]
    links = [number for kind, number, _ in seen if kind == "link"]
    assert sorted(links) == [1, 2, 3, 4]  # one link each, asked for once the part was hashed
    # The local store's links carry no part number: each PUT's header names its part's digest,
    # and that part's link was asked for before it.
    number_of = {checksum(part): number for number, part in enumerate(parts, start=1)}
    puts = [(at, header) for at, (kind, _, header) in enumerate(seen) if kind == "put"]
    assert sorted(number_of.get(header or "", 0) for _, header in puts) == [1, 2, 3, 4]
    for at, header in puts:
        assert seen.index(("link", number_of[header or ""], None)) < at
    (upload,) = uploads(live_app)
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)


def test_parts_go_straight_to_s3_with_their_signed_checksums(
    signed_in: Page,
    live: str,
    s3_live_app: Flask,
    in_parts: None,
    moto_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Across origins the browser first asks the store whether it may send the checksum
    header (CORS preflight); the bucket must allow it (README, the bucket's CORS rule). Each
    part, once sent, is reported and read back; the file counts once the last one matched,
    and without a task queue the store joins the parts afterwards, in a thread of its own
    (UPLOAD_JOIN "background"): the person never waits for that."""
    monkeypatch.setitem(s3_live_app.config, "UPLOAD_JOIN", "background")
    store = s3_live_app.extensions[EXTENSION_KEY]
    release = threading.Event()
    real_join = store.join_objects

    def held_join(*args: Any, **kwargs: Any) -> str | None:
        assert release.wait(60)
        return real_join(*args, **kwargs)

    monkeypatch.setattr(store, "join_objects", held_join)
    page = signed_in
    open_widget(page, live, s3_live_app)
    page.evaluate(CSP_VIOLATIONS)
    seen = watch_parts(page)
    reported: list[int] = []
    page.on("request", lambda request: reported.extend(parts_reported(request)))
    content = b"%PDF-1.7\n" + os.urandom(11 * MiB)
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": content}]
    )
    expect(page.get_by_role("status").filter(has_text="minutes.pdf")).to_have_text(
        "minutes.pdf (11.0 MB) was checked and saved.", timeout=30_000
    )
    parts = [content[at : at + 5 * MiB] for at in range(0, len(content), 5 * MiB)]
    puts = sorted((number, header) for kind, number, header in seen if kind == "put")
    assert puts == [(n, checksum(part)) for n, part in enumerate(parts, start=1)]
    for number, part in enumerate(parts, start=1):  # each part's link came before the part
        assert seen.index(("link", number, None)) < seen.index(("put", number, checksum(part)))
    assert page.evaluate("window.cspBlocked") == []
    assert sorted(reported) == [1, 2, 3]  # each part reported once
    (upload,) = uploads(s3_live_app)
    assert upload.status == UploadStatus.VERIFIED
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)
    assert upload.joined_at is None  # the store's join is still held: the file counts anyway
    release.set()
    for _ in range(300):
        (upload,) = uploads(s3_live_app)
        if upload.joined_at is not None:
            break
        time.sleep(0.05)
    assert upload.joined_at is not None
    assert b"".join(store.iter_chunks(upload.key)) == content


@pytest.mark.parametrize("queued", [False, True], ids=["read-in-request", "read-by-job"])
def test_a_part_damaged_on_the_way_is_found_when_reported_and_the_file_is_refused(
    signed_in: Page,
    live: str,
    s3_live_app: Flask,
    in_parts: None,
    moto_endpoint: str,
    queued: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """moto takes a part whose bytes are not the ones its link was signed for (S3 would not):
    the server reads each part back when the widget reports it sent, and refuses the file,
    naming the part, with nothing kept. A part still on its way is not waited for: the person
    hears why at once (part 4 is held here until the end). With a task queue (eager here) a
    job reads the parts back: the widget learns of the refusal from a later answer, and says
    why all the same."""
    if queued:
        monkeypatch.setitem(s3_live_app.config, "TASK_BROKER_URL", "redis://127.0.0.1:6379/0")
    page = signed_in
    content = b"%PDF-1.7\n" + os.urandom(16 * MiB)
    held: list[Route] = []

    def damage_part_2(route: Route) -> None:
        if route.request.method == "PUT" and ".part00002" in route.request.url:
            body = bytearray(route.request.post_data_buffer or b"")
            body[100] ^= 1
            route.continue_(post_data=bytes(body))
        elif route.request.method == "PUT" and ".part00004" in route.request.url and not queued:
            held.append(route)  # a part on a slow line: never answered
        else:
            route.continue_()

    page.route(re.compile(r".*\.part\d{5}\?.*"), damage_part_2)
    open_widget(page, live, s3_live_app)
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": content}]
    )
    expect(page.get_by_role("status").filter(has_text="minutes.pdf")).to_have_text(
        "minutes.pdf was not accepted: Part 2 of the file that arrived is not what your browser "
        "sent: its SHA-256 checksum differs, so it was changed or damaged on the way. Upload "
        "the file again.",
        timeout=30_000,
    )
    expect(page.get_by_role("button", name="Resume upload")).to_be_hidden()
    assert len(held) == (0 if queued else 1)
    (upload,) = uploads(s3_live_app)
    assert upload.status == UploadStatus.REJECTED
    store = s3_live_app.extensions[EXTENSION_KEY]
    # The parts that landed went with the file (those reported after it was refused too).
    assert list(store.list_keys(f"{upload.key}.part")) == []
    assert store.stat(upload.key) is None


def test_without_a_secure_context_parts_are_hashed_with_js_sha256(
    signed_in: Page, live: str, live_app: Flask, in_parts: None, tmp_path: Path
) -> None:
    """Pages served over plain http from another host have no WebCrypto: the vendored
    js-sha256 hashes the parts on the page instead, to the same fingerprint."""
    page = signed_in
    page.add_init_script("Object.defineProperty(window, 'isSecureContext', {value: false})")
    content = b"%PDF-1.7\n" + os.urandom(11 * MiB)
    chosen = tmp_path / "portfolio.pdf"
    chosen.write_bytes(content)
    workers: list[str] = []
    page.on("worker", lambda worker: workers.append(worker.url))
    open_widget(page, live, live_app)
    assert page.evaluate("window.isSecureContext") is False
    page.get_by_label("File to upload").set_input_files(chosen)
    expect(page.get_by_role("status").filter(has_text="portfolio.pdf")).to_have_text(
        "portfolio.pdf (11.0 MB) was checked and saved.", timeout=30_000
    )
    assert workers == []
    (upload,) = uploads(live_app)
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)


def test_a_file_changed_on_disk_during_the_upload_is_dropped_with_nothing_kept(
    signed_in: Page, live: str, live_app: Flask, in_parts: None, tmp_path: Path
) -> None:
    page = signed_in
    chosen = tmp_path / "portfolio.pdf"
    chosen.write_bytes(b"%PDF-1.7\n" + os.urandom(40 * MiB - 9))  # eight parts, six at once
    held: list[Route] = []
    holding = [True]

    def hold(route: Route) -> None:
        if holding[0]:
            held.append(route)
        else:
            route.continue_()

    page.route(PART_PUT, hold)
    open_widget(page, live, live_app)
    page.get_by_label("File to upload").set_input_files(chosen)
    for _ in range(150):  # the first six parts are on their way
        if len(held) == 6:
            break
        page.wait_for_timeout(100)
    assert len(held) == 6

    chosen.write_bytes(b"%PDF-1.7\n" + os.urandom(40 * MiB - 9))  # edited and saved meanwhile
    later = chosen.stat().st_mtime + 10
    os.utime(chosen, (later, later))
    holding[0] = False
    for route in held:
        route.continue_()

    status = page.get_by_role("status").filter(has_text="changed on disk")
    expect(status).to_have_text(
        "portfolio.pdf changed on disk while it was being sent, so the upload was stopped and "
        "nothing was kept. Choose the file again.",
        timeout=30_000,
    )
    expect(page.get_by_role("button", name="Resume upload")).to_be_hidden()
    for _ in range(100):  # the widget drops the upload on the server
        (upload,) = uploads(live_app)
        if upload.status != UploadStatus.PENDING:
            break
        page.wait_for_timeout(100)
    assert upload.status == UploadStatus.REJECTED
    assert upload.fingerprint is None
    store = live_app.extensions[EXTENSION_KEY]
    assert store.stat(upload.key) is None
    assert list(store.list_multipart()) == []


def test_a_tab_closed_mid_upload_resumes_in_a_new_tab_without_sending_the_sent_parts(
    signed_in: Page, live: str, live_app: Flask, in_parts: None, tmp_path: Path
) -> None:
    page = signed_in
    content = b"%PDF-1.7\n" + os.urandom(30 * MiB - 9)  # six parts
    chosen = tmp_path / "portfolio.pdf"
    chosen.write_bytes(content)
    let_through: list[str] = []

    def two_parts_then_hang(route: Route) -> None:
        if len(let_through) < 2:
            let_through.append(route.request.url)
            route.continue_()
        # the others never get an answer: the tab is closed while they hang

    page.route(PART_PUT, two_parts_then_hang)
    stored: list[str] = []
    page.on(
        "response",
        lambda r: stored.append(r.url) if r.request.method == "PUT" and r.status == 200 else None,
    )
    open_widget(page, live, live_app)
    page.get_by_label("File to upload").set_input_files(chosen)
    for _ in range(300):  # two parts stored (each digest went with its link, before the part)
        if len(stored) == 2:
            break
        page.wait_for_timeout(100)
    assert len(stored) == 2
    page.close()

    again = page.context.new_page()  # the person opens the page again and chooses the file
    sent: list[str] = []
    listings: list[Response] = []
    again.on("request", lambda r: sent.append(r.url) if r.method == "PUT" else None)
    again.on("response", lambda r: listings.append(r) if r.url.endswith("/parts") else None)
    open_widget(again, live, live_app)
    again.get_by_label("File to upload").set_input_files(chosen)
    expect(again.get_by_role("status").filter(has_text="portfolio.pdf")).to_have_text(
        "portfolio.pdf (30 MB) was checked and saved.", timeout=30_000
    )
    # The parts the server held when the new tab asked: the two stored, and any of the hanging
    # four that the closing tab's browser still let go meanwhile (it may, once the tab is gone).
    (listing,) = listings
    held = [p for p in listing.json()["parts"] if p["sha256"] and p["size"] == 5 * MiB]
    assert len(held) >= 2
    assert len(sent) == 6 - len(held), "only the parts that had not arrived were sent"
    (upload,) = uploads(live_app)  # the same upload, not a second one
    assert upload.status == UploadStatus.VERIFIED
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)


def test_a_file_of_2_gb_and_one_byte_is_refused_before_anything_is_sent(
    signed_in: Page, live: str, live_app: Flask, tmp_path: Path
) -> None:
    page = signed_in
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as out:  # sparse: takes no room on disk
        out.truncate(2 * 1024 * MiB + 1)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/uploads" in r.url else None)
    open_widget(page, live, live_app)
    page.get_by_label("File to upload").set_input_files(huge)
    expect(page.get_by_role("status")).to_have_text(
        "This file is 2.0 GB; files can be at most 2 GB."
    )
    assert asked == [] and uploads(live_app) == []


def test_a_file_whose_name_the_server_tidies_still_resumes_in_a_new_tab(
    signed_in: Page, live: str, live_app: Flask, in_parts: None, tmp_path: Path
) -> None:
    """The server keeps a tidied name ("Minutes: 3 May.pdf" is "Minutes_ 3 May.pdf"): the
    widget still knows its earlier upload of the file, and sends only the missing parts."""
    page = signed_in
    content = b"%PDF-1.7\n" + os.urandom(15 * MiB - 9)  # three parts
    chosen = tmp_path / "Minutes: 3 May.pdf"
    chosen.write_bytes(content)
    let_through: list[str] = []

    def one_part_then_hang(route: Route) -> None:
        if not let_through:
            let_through.append(route.request.url)
            route.continue_()

    page.route(PART_PUT, one_part_then_hang)
    stored: list[str] = []
    page.on(
        "response",
        lambda r: stored.append(r.url) if r.request.method == "PUT" and r.status == 200 else None,
    )
    open_widget(page, live, live_app)
    page.get_by_label("File to upload").set_input_files(chosen)
    for _ in range(300):
        if stored:
            break
        page.wait_for_timeout(100)
    assert len(stored) == 1
    page.close()

    again = page.context.new_page()
    began: list[str] = []
    again.on(
        "request",
        lambda r: (
            began.append(r.url) if r.method == "POST" and r.url.endswith("/api/uploads") else None
        ),
    )
    open_widget(again, live, live_app)
    again.get_by_label("File to upload").set_input_files(chosen)
    expect(again.get_by_role("status").filter(has_text="Minutes")).to_contain_text(
        "was checked and saved.", timeout=30_000
    )
    assert began == [], "the earlier upload was resumed, not begun again"
    (upload,) = uploads(live_app)
    assert upload.original_name == "Minutes_ 3 May.pdf"
    assert upload.status == UploadStatus.VERIFIED
    assert upload.fingerprint == fingerprint_of(content, 5 * MiB)
