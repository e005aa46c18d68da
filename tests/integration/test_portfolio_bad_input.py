"""Hostile and broken input on the portfolio pages: rendered inert, refused with a message,
and never a 500 or a lost text.

Narratives are checked ON THE PAGES the candidate sees (the entry page with its preview, and
the frozen snapshot page), parsed as a browser would parse them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portfolio.domain.portfolios.narrative import ALLOWED_TAGS
from portfolio.models import Artifact, UploadStatus
from portfolio.models.base import utcnow
from portfolio.services.portfolios import artifacts, submissions
from portfolio.services.portfolios import entries as portfolios
from tests.helpers import csrf_token
from tests.portfolio_fixtures import fill_set, make_upload, textarea_value

DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
NEVER = {"iframe", "object", "embed", "img", "svg", "style", "math"}


class Page(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.script_text = ""
        self._in_script = False
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text += data
        else:
            self.text += data


def assert_page_is_inert(markup: str) -> Page:
    """Nothing on the page runs, loads or handles events except our own script files."""
    page = Page(markup)
    assert page.script_text.strip() == ""
    for tag, attrs in page.elements:
        assert tag not in NEVER, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src", "action", "formaction"} and value:
                compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                assert not compact.startswith(DANGEROUS_SCHEMES), (tag, name, value)
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/")
    for block in narrative_blocks(markup):
        for tag, attrs in Page(block).elements:
            assert tag in ALLOWED_TAGS, tag
            if tag == "a":
                assert set(attrs) <= {"href", "title", "rel"}
    return page


def narrative_blocks(markup: str) -> list[str]:
    """The inner HTML of each rendered narrative (no <div> can occur inside one)."""
    return re.findall(r'<div class="narrative[^"]*"[^>]*>(.*?)</div>', markup, re.S)


def test_the_page_check_catches_what_it_looks_for():
    for bad in (
        "<script>alert(1)</script>",
        '<a href=" JavaScript:alert(1)">x</a>',
        '<p onclick="x()">x</p>',
        '<div class="narrative"><form></form></div>',
    ):
        with pytest.raises(AssertionError):
            assert_page_is_inert(bad)


def narrative_on_pages(client, session, candidate, text: str) -> tuple[Page, Page]:
    """Save `text` as a narrative, then load the entry page and the submitted snapshot."""
    fill_set(session, candidate, candidate.sets[0])
    entry = candidate.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, text, entry.version)
    submission = submissions.submit_set(session, candidate.sets[0], candidate.user, utcnow().date())
    session.commit()
    entry_page = client.get(f"/me/portfolio/entries/{entry.id}")
    snapshot_page = client.get(f"/me/submissions/{submission.id}")
    assert entry_page.status_code == snapshot_page.status_code == 200
    entry_html = entry_page.get_data(as_text=True)
    snapshot_html = snapshot_page.get_data(as_text=True)
    assert textarea_value(entry_html, "narrative") == text  # the saved text, exactly
    assert len(narrative_blocks(entry_html)) == 1  # the preview
    assert len(narrative_blocks(snapshot_html)) == 3  # the statement and two competencies
    return (
        assert_page_is_inert(entry_html),
        assert_page_is_inert(snapshot_html),
    )


def test_a_script_element_is_shown_as_text_on_the_pages(client, session, signed_in):
    for page in narrative_on_pages(client, session, signed_in, "Hi <script>alert(1)</script>"):
        assert "Hi <script>alert(1)</script>" in page.text


def test_a_javascript_link_has_no_href_on_the_pages(client, session, signed_in):
    for page in narrative_on_pages(client, session, signed_in, "[click me](javascript:alert(1))"):
        assert "click me" in page.text


def test_a_data_link_has_no_href_on_the_pages(client, session, signed_in):
    text = "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
    for page in narrative_on_pages(client, session, signed_in, text):
        assert "open" in page.text


def test_event_handler_attributes_are_not_attributes_on_the_pages(client, session, signed_in):
    text = '<img src=x onerror="alert(1)"> <a href="https://a.example" onclick="alert(2)">x</a>'
    for page in narrative_on_pages(client, session, signed_in, text):
        assert 'onerror="alert(1)"' in page.text  # shown as the text the candidate typed


def test_nested_and_malformed_html_stays_text_on_the_pages(client, session, signed_in):
    text = "<scr<script>ipt>alert(1)</scr</script>ipt> <<b>b>x <div><p>open <i>unclosed"
    for page in narrative_on_pages(client, session, signed_in, text):
        assert "ipt>alert(1)" in page.text


def test_a_link_title_cannot_break_out_of_its_attribute_on_the_pages(client, session, signed_in):
    text = '[x](https://a.example "a\\" onmouseover=\\"alert(1)")'
    for page in narrative_on_pages(client, session, signed_in, text):
        links = [attrs for tag, attrs in page.elements if tag == "a" and attrs.get("title")]
        assert links and all("onmouseover" in (link["title"] or "") for link in links)


def post_entry_form(client, entry, path, data):
    url = f"/me/portfolio/entries/{entry.id}"
    return client.post(url + path, data={"csrf_token": csrf_token(client, url), **data})


def link_artifacts(session, candidate):
    return session.scalars(
        select(Artifact).where(Artifact.portfolio_id == candidate.portfolio(session).id)
    ).all()


def test_a_javascript_link_artifact_is_refused_with_a_field_error(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    response = post_entry_form(
        client, entry, "/links", {"url": "javascript:alert(1)", "caption": "Evil"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Use a web address that starts with https:// or http://." in html
    assert 'value="Evil"' in html  # what was typed stays in the form
    assert link_artifacts(session, signed_in) == []


def test_a_ten_thousand_character_caption_is_a_field_error(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    response = post_entry_form(
        client, entry, "/links", {"url": "https://a.example/", "caption": "c" * 10_000}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="caption-error">A caption can be at most 300 characters.' in html
    assert 'value="https://a.example/"' in html
    assert link_artifacts(session, signed_in) == []


@pytest.mark.parametrize("status", [UploadStatus.PENDING, UploadStatus.REJECTED])
def test_an_unverified_upload_is_refused_with_422(client, session, signed_in, status):
    upload = make_upload(session, signed_in.user, status=status)
    session.commit()
    entry = signed_in.entry(session, "S1-1")
    response = post_entry_form(client, entry, "/files", {"upload_id": str(upload.id)})
    assert response.status_code == 422
    assert link_artifacts(session, signed_in) == []


def test_an_unverified_upload_is_refused_with_422_in_json(client, session, signed_in):
    upload = make_upload(session, signed_in.user, status=UploadStatus.PENDING)
    session.commit()
    entry = signed_in.entry(session, "S1-1")
    url = f"/me/portfolio/entries/{entry.id}"
    response = client.post(
        url + "/files",
        json={"upload_id": upload.id},
        headers={"X-CSRFToken": csrf_token(client, url)},
    )
    assert response.status_code == 422
    assert (
        response.get_json()["message"] == "This file is still being checked. Try again in a moment."
    )


def test_a_verified_upload_is_attached_in_json(client, session, signed_in):
    upload = make_upload(session, signed_in.user, name="plan.pdf")
    session.commit()
    entry = signed_in.entry(session, "S1-1")
    url = f"/me/portfolio/entries/{entry.id}"
    response = client.post(
        url + "/files",
        json={"upload_id": upload.id},
        headers={"X-CSRFToken": csrf_token(client, url)},
    )
    assert response.status_code == 201
    assert response.get_json()["caption"] == "plan.pdf"
    assert "plan.pdf" in client.get(url).get_data(as_text=True)


def test_a_version_that_is_not_a_number_keeps_the_text(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    url = f"/me/portfolio/entries/{entry.id}"
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "narrative": "Keep me.", "version": "abc"},
    )
    assert response.status_code == 422
    assert textarea_value(response.get_data(as_text=True), "narrative") == "Keep me."


def test_a_narrative_over_the_limit_is_refused_and_kept_in_the_form(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    url = f"/me/portfolio/entries/{entry.id}"
    long_text = "word " * 10_001
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "narrative": long_text, "version": "1"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "the most is 50,000" in html
    assert textarea_value(html, "narrative") == long_text


def test_a_nul_character_is_refused_with_a_message_and_nothing_changes(
    client, session, signed_in
):
    entry = signed_in.entry(session, "S1-1")
    before = entry.narrative
    url = f"/me/portfolio/entries/{entry.id}"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "narrative": "a\x00b", "version": "1"}
    )
    assert response.status_code == 400
    assert "“narrative” contains a character we cannot store" in response.get_data(as_text=True)
    session.expire_all()
    assert signed_in.entry(session, "S1-1").narrative == before


def test_an_artifact_id_that_is_not_a_number_is_a_form_error(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    artifacts.add_link_artifact(
        session, signed_in.portfolio(session), url="https://a.example/", caption="A"
    )
    session.commit()
    response = post_entry_form(client, entry, "/attach", {"artifact_id": "abc"})
    assert response.status_code == 422


def test_an_entry_that_does_not_exist_is_404(client, session, signed_in):
    assert client.get("/me/portfolio/entries/999999").status_code == 404


def test_an_autosave_refused_before_its_view_runs_says_why_in_json(client, session, signed_in):
    """A control character the input guard refuses (here a NUL) is refused before the autosave
    view runs: the editor's script reads JSON, so the reason must come as JSON, not as an HTML
    page it cannot show (it then said only "could not be saved just now", on every retry). A
    form feed pasted from a PDF is no longer among them: it arrives as a line break."""
    entry = signed_in.entry(session, "S1-1")
    before = entry.narrative
    url = f"/me/portfolio/entries/{entry.id}"
    response = client.post(
        f"{url}/autosave",
        data={"text": "page one\x00page two", "version": str(entry.version)},
        headers={"X-CSRFToken": csrf_token(client, url), "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.is_json
    assert "contains a character we cannot store" in response.get_json()["message"]
    session.expire_all()
    assert signed_in.entry(session, "S1-1").narrative == before


def test_a_page_break_pasted_into_a_narrative_autosaves_as_a_line_break(
    client, session, signed_in
):
    entry = signed_in.entry(session, "S1-1")
    url = f"/me/portfolio/entries/{entry.id}"
    response = client.post(
        f"{url}/autosave",
        data={"text": "page one\x0cpage two", "version": str(entry.version)},
        headers={"X-CSRFToken": csrf_token(client, url), "Accept": "application/json"},
    )
    assert response.status_code == 200
    session.expire_all()
    assert signed_in.entry(session, "S1-1").narrative == "page one\npage two"


def test_a_form_post_refused_by_the_input_guard_is_still_a_page(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    url = f"/me/portfolio/entries/{entry.id}"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "narrative": "a\x00b", "version": "1"}
    )
    assert response.status_code == 400
    assert response.mimetype == "text/html"
