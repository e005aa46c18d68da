"""A script whose session ended gets a 401 it can act on, never a sign-in page it cannot show
(issue 13.3: autosave keeps the text and says "you were signed out"); a page still goes to
sign-in and back."""

from __future__ import annotations

import pytest

from tests.helpers import csrf_token

JSON = {"Accept": "application/json"}


@pytest.mark.parametrize(
    "path",
    [
        "/me/portfolio/entries/1/autosave",
        "/me/portfolio/statement/autosave",
        "/me/portfolio/preview",
        "/review/assignments/1/draft",
    ],
)
def test_an_autosave_after_the_session_ended_is_told_it_was_signed_out(client, path):
    # The token the page was loaded with, from a session that has since ended.
    token = csrf_token(client, "/sign-in")
    with client.session_transaction() as flask_session:
        flask_session.clear()
    response = client.post(path, data={"text": "kept"}, headers={**JSON, "X-CSRFToken": token})
    assert response.status_code == 401
    body = response.get_json()
    assert body["signed_out"] is True
    assert "You were signed out, so this was not saved" in body["message"]


def test_an_autosave_with_a_valid_token_but_no_one_signed_in_gets_the_same_401(client):
    token = csrf_token(client, "/sign-in")  # a session with a token, and nobody in it
    response = client.post(
        "/me/portfolio/statement/autosave",
        data={"text": "kept"},
        headers={**JSON, "X-CSRFToken": token},
    )
    assert response.status_code == 401 and response.get_json()["signed_out"] is True


def test_a_page_still_goes_to_sign_in_and_back(client):
    response = client.get("/me/portfolio/entries/1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=%2Fme%2Fportfolio%2Fentries%2F1"


def test_text_kept_in_the_browser_is_keyed_to_the_person_and_their_portfolio(
    client, session, signed_in
):
    """On a shared computer, a copy kept by autosave is only ever put back for its owner and
    their own portfolio (a later enrollment's statement page has another key)."""
    entry = signed_in.entry(session, "S1-1")
    portfolio = signed_in.portfolio(session)
    user = signed_in.user.id
    page = client.get(f"/me/portfolio/entries/{entry.id}").get_data(as_text=True)
    assert f'data-draft-key="u{user}:e{entry.id}"' in page
    page = client.get("/me/portfolio/statement").get_data(as_text=True)
    assert f'data-draft-key="u{user}:p{portfolio.id}"' in page
    assert "data-sign-out" in page  # signing out forgets every kept copy (static/js/page.js)
