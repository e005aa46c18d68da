"""The candidate's portfolio pages: overview, learning statement, entries, autosave, preview."""

from __future__ import annotations

import re

from sqlalchemy import event

from portfolio.domain.portfolios.evidence import STALE_MESSAGE
from portfolio.extensions import db
from portfolio.models import Route
from portfolio.services.portfolios import artifacts
from portfolio.services.portfolios import entries as portfolios
from tests.helpers import csrf_token, login_as, make_user
from tests.portfolio_fixtures import enroll, fill_set, make_framework, textarea_value

PORTFOLIO = "/me/portfolio"
STATEMENT = "/me/portfolio/statement"


def entry_url(entry):
    return f"/me/portfolio/entries/{entry.id}"


def text_of(response):
    return response.get_data(as_text=True)


def test_the_portfolio_lists_each_set_with_evidence_per_competency(client, session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    session.commit()
    html = text_of(client.get(PORTFOLIO))
    assert "<h1>Your portfolio</h1>" in html
    assert "S1: Set 1" in html and "S2: Set 2" in html
    entry = signed_in.entry(session, "S1-1")
    assert f'href="{entry_url(entry)}">S1-1: Competency 1.1</a>' in html
    assert 'Status: <span class="badge">a draft</span>' in html
    assert "Needs a narrative and at least one artifact" in html  # S2's competencies
    assert "Review and submit S1" in html


def test_a_person_without_an_enrollment_is_told_so(client, session):
    user = make_user(session, "new@example.org")
    login_as(client, user)
    html = text_of(client.get(PORTFOLIO))
    assert "You are not enrolled in a program yet" in html


def test_sets_on_the_course_route_are_not_listed(client, session, framework):
    candidate = enroll(session, framework, "course@example.org", route=Route.COURSE)
    candidate.sets[1].route = Route.PORTFOLIO
    session.commit()
    login_as(client, candidate.user)
    html = text_of(client.get(PORTFOLIO))
    assert "S2: Set 2" in html and "S1: Set 1" not in html


def test_the_learning_statement_is_saved_with_the_form(client, session, signed_in):
    token = csrf_token(client, STATEMENT)
    response = client.post(
        STATEMENT, data={"csrf_token": token, "learning_statement": "I *learned*.", "version": "1"}
    )
    assert response.status_code == 302
    page = text_of(client.get(STATEMENT))
    assert "I *learned*." in page and "<em>learned</em>" in page  # the text and its preview


def test_a_stale_statement_is_refused_and_the_typed_text_is_shown(client, session, signed_in):
    portfolio = signed_in.portfolio(session)
    portfolios.update_learning_statement(session, portfolio, "Saved in tab one.", 1)
    session.commit()
    token = csrf_token(client, STATEMENT)
    response = client.post(
        STATEMENT,
        data={"csrf_token": token, "learning_statement": "Typed in tab two.", "version": "1"},
    )
    assert response.status_code == 409
    html = text_of(response)
    assert STALE_MESSAGE in html
    assert textarea_value(html, "learning_statement") == "Typed in tab two."
    assert "Saved in tab one." in html  # the latest saved text, to compare
    session.expire_all()
    assert signed_in.portfolio(session).learning_statement == "Saved in tab one."


def test_the_entry_page_shows_the_editor_preview_and_upload_placeholder(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    html = text_of(client.get(entry_url(entry)))
    assert "<h1>S1-1: Competency 1.1</h1>" in html
    assert 'data-autosave-url="/me/portfolio/entries/' in html
    assert 'name="version" type="hidden" value="1"' in html
    assert 'id="upload-widget"' in html
    assert f'data-attach-url="/me/portfolio/entries/{entry.id}/files"' in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script (CSP)


def test_a_narrative_is_saved_with_the_form_without_javascript(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    url = entry_url(entry)
    token = csrf_token(client, url)
    response = client.post(
        url, data={"csrf_token": token, "narrative": "I led **story time**.", "version": "1"}
    )
    assert response.status_code == 302
    html = text_of(client.get(url))
    assert "Your narrative is saved." in html
    assert "<strong>story time</strong>" in html
    session.expire_all()
    assert signed_in.entry(session, "S1-1").narrative == "I led **story time**."


def test_a_stale_narrative_post_is_409_and_keeps_the_typed_text(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, "Saved elsewhere.", 1)
    session.commit()
    url = entry_url(entry)
    token = csrf_token(client, url)
    response = client.post(
        url, data={"csrf_token": token, "narrative": "My unsaved paragraph.", "version": "1"}
    )
    assert response.status_code == 409
    html = text_of(response)
    assert STALE_MESSAGE in html
    assert textarea_value(html, "narrative") == "My unsaved paragraph."
    assert "Saved elsewhere." in html
    session.expire_all()
    assert signed_in.entry(session, "S1-1").narrative == "Saved elsewhere."


def test_autosave_answers_the_new_version(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    token = csrf_token(client, entry_url(entry))
    response = client.post(
        entry_url(entry) + "/autosave",
        data={"text": "Draft one.", "version": "1"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == 2
    again = client.post(
        entry_url(entry) + "/autosave",
        data={"text": "Draft two.", "version": "2"},
        headers={"X-CSRFToken": token},
    )
    assert again.get_json()["version"] == 3


def test_autosave_with_a_stale_version_answers_409_with_the_message(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, "Other tab.", 1)
    session.commit()
    token = csrf_token(client, entry_url(entry))
    response = client.post(
        entry_url(entry) + "/autosave",
        data={"text": "This tab.", "version": "1"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 409
    assert response.get_json()["message"] == STALE_MESSAGE
    session.expire_all()
    assert signed_in.entry(session, "S1-1").narrative == "Other tab."


def test_autosave_without_the_csrf_header_is_refused(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    response = client.post(entry_url(entry) + "/autosave", data={"text": "x", "version": "1"})
    assert response.status_code == 400
    session.expire_all()
    assert signed_in.entry(session, "S1-1").narrative == ""


def test_autosave_without_a_version_is_a_bad_request_in_json(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    token = csrf_token(client, entry_url(entry))
    response = client.post(
        entry_url(entry) + "/autosave", data={"text": "x"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert "version" in response.get_json()["message"]


def test_the_statement_autosaves_too(client, session, signed_in):
    token = csrf_token(client, STATEMENT)
    response = client.post(
        STATEMENT + "/autosave",
        data={"text": "Autosaved.", "version": "1"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    session.expire_all()
    assert signed_in.portfolio(session).learning_statement == "Autosaved."


def test_the_preview_is_sanitized_html(client, session, signed_in):
    token = csrf_token(client, STATEMENT)
    response = client.post(
        "/me/portfolio/preview",
        data={"text": "**bold** <script>alert(1)</script>"},
        headers={"X-CSRFToken": token},
    )
    html = response.get_json()["html"]
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_link_is_added_from_the_entry_page(client, session, signed_in):
    entry = signed_in.entry(session, "S1-1")
    token = csrf_token(client, entry_url(entry))
    response = client.post(
        entry_url(entry) + "/links",
        data={
            "csrf_token": token,
            "url": "https://library.example/guide",
            "caption": "Reading guide",
            "description": "",
        },
    )
    assert response.status_code == 302
    html = text_of(client.get(entry_url(entry)))
    assert (
        '<a href="https://library.example/guide" rel="nofollow noopener noreferrer">'
        "Reading guide</a>" in html
    )


def test_an_artifact_already_in_the_portfolio_is_attached_and_detached(client, session, signed_in):
    portfolio = signed_in.portfolio(session)
    one, two = (signed_in.entry(session, code) for code in ("S1-1", "S1-2"))
    artifact = artifacts.add_link_artifact(
        session,
        portfolio,
        url="https://a.example/",
        caption="Shared",
        competency_ids=[one.competency_id],
    )
    session.commit()
    page = text_of(client.get(entry_url(two)))
    assert f'<option value="{artifact.id}">Shared</option>' in page
    token = csrf_token(client, entry_url(two))
    response = client.post(
        entry_url(two) + "/attach", data={"csrf_token": token, "artifact_id": str(artifact.id)}
    )
    assert response.status_code == 302
    session.expire_all()
    assert [a.id for a in signed_in.entry(session, "S1-2").artifacts] == [artifact.id]
    response = client.post(
        entry_url(two) + f"/artifacts/{artifact.id}/detach", data={"csrf_token": token}
    )
    assert response.status_code == 302
    session.expire_all()
    assert signed_in.entry(session, "S1-2").artifacts == []
    assert [a.id for a in signed_in.entry(session, "S1-1").artifacts] == [artifact.id]


def test_a_file_added_again_says_it_was_already_there_and_keeps_one_artifact(
    client, session, signed_in
):
    """One artifact per file: chosen again for another competency with a new caption, it is
    linked there, and the page says the caption typed was not used."""
    from tests.portfolio_fixtures import make_upload

    upload = make_upload(session, signed_in.user, name="minutes.pdf")
    one, two = (signed_in.entry(session, code) for code in ("S1-1", "S1-2"))
    session.commit()
    token = csrf_token(client, entry_url(one))
    first = client.post(
        entry_url(one) + "/files",
        data={"csrf_token": token, "upload_id": str(upload.id), "caption": "Meeting minutes"},
    )
    assert first.status_code == 302
    assert "The file is added." in text_of(client.get(first.headers["Location"]))

    again = client.post(
        entry_url(two) + "/files",
        data={"csrf_token": token, "upload_id": str(upload.id), "caption": "Another caption"},
    )

    assert again.status_code == 302
    page = text_of(client.get(again.headers["Location"]))
    assert "This file was already in your portfolio as “Meeting minutes”" in page
    assert "Edit the artifact to change them." in page
    session.expire_all()
    [in_one] = signed_in.entry(session, "S1-1").artifacts
    assert [a.id for a in signed_in.entry(session, "S1-2").artifacts] == [in_one.id]
    assert in_one.caption == "Meeting minutes"

    same = client.post(
        entry_url(one) + "/files",
        data={"csrf_token": token, "upload_id": str(upload.id), "caption": "Once more"},
    )
    assert "“Meeting minutes” already supports this competency; nothing changed." in text_of(
        client.get(same.headers["Location"])
    )


def test_an_artifact_is_edited_to_support_other_competencies(client, session, signed_in):
    portfolio = signed_in.portfolio(session)
    one, two = (signed_in.entry(session, code) for code in ("S1-1", "S2-1"))
    artifact = artifacts.add_link_artifact(
        session,
        portfolio,
        url="https://a.example/",
        caption="Old",
        competency_ids=[one.competency_id],
    )
    session.commit()
    url = f"/me/portfolio/artifacts/{artifact.id}"
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "caption": "New caption",
            "description": "Now longer.",
            "competencies": [str(two.competency_id)],
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert [a.caption for a in signed_in.entry(session, "S2-1").artifacts] == ["New caption"]
    assert signed_in.entry(session, "S1-1").artifacts == []


def test_an_artifact_is_removed(client, session, signed_in):
    portfolio = signed_in.portfolio(session)
    entry = signed_in.entry(session, "S1-1")
    artifact = artifacts.add_link_artifact(
        session,
        portfolio,
        url="https://a.example/",
        caption="Gone",
        competency_ids=[entry.competency_id],
    )
    session.commit()
    url = f"/me/portfolio/artifacts/{artifact.id}"
    token = csrf_token(client, url)
    response = client.post(url + "/remove", data={"csrf_token": token})
    assert response.status_code == 302
    session.expire_all()
    assert signed_in.portfolio(session).artifacts == []
    assert client.get(url).status_code == 404


def count_queries(client, url):
    statements = []
    engine = db.engine_for(client.application)

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(statements)


def test_the_portfolio_page_makes_as_many_queries_for_three_sets_as_for_one(client, session):
    small = make_framework(session, slug="one", sets=1)
    large = make_framework(session, slug="three", sets=3)
    one_set = enroll(session, small, "one@example.org")
    three_sets = enroll(session, large, "three@example.org")
    for candidate in (one_set, three_sets):
        for enrollment_set in candidate.sets:
            fill_set(session, candidate, enrollment_set)
    session.commit()

    login_as(client, one_set.user)
    client.get(PORTFOLIO)  # warm: anything made on first visit exists now
    with_one = count_queries(client, PORTFOLIO)
    login_as(client, three_sets.user)
    client.get(PORTFOLIO)
    with_three = count_queries(client, PORTFOLIO)
    assert with_one == with_three
    assert with_three <= 12


def test_before_any_portfolio_route_the_statement_page_only_reads_and_its_save_makes_it(
    client, session, framework
):
    """A candidate with no set on the portfolio route yet has no portfolio: the page shows an
    empty form and makes nothing; saving the statement makes the portfolio."""
    from sqlalchemy import select

    from portfolio.models import Portfolio

    newcomer = enroll(session, framework, "nia@example.org", route=Route.UNDECIDED)
    session.commit()
    login_as(client, newcomer.user)
    page = client.get(STATEMENT)
    assert page.status_code == 200
    assert textarea_value(text_of(page), "learning_statement") == ""
    assert "No set is on the portfolio route yet." in text_of(client.get(PORTFOLIO))
    assert session.scalars(select(Portfolio)).all() == []
    token = csrf_token(client, STATEMENT)
    response = client.post(
        STATEMENT, data={"csrf_token": token, "learning_statement": "First words.", "version": "1"}
    )
    assert response.status_code == 302
    session.expire_all()
    saved = portfolios.find_portfolio(session, newcomer.enrollment)
    assert saved is not None and saved.learning_statement == "First words."
