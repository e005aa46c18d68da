"""No page shows a bidi override typed into free text (web.text_filters.shown): an override in
a comment or a library's name reversed the rest of its line wherever it was shown."""

from __future__ import annotations

from flask import render_template_string
from markupsafe import Markup

from portfolio.models import Role
from tests.helpers import login_as, make_user
from tests.review_fixtures import make_reviewer

RLO, PDF, RLI, PDI = "\u202e", "\u202c", "\u2067", "\u2069"


def test_every_printed_text_loses_its_bidi_controls_and_stays_escaped(app):
    with app.test_request_context():
        shown = render_template_string(
            "<p>{{ library }}</p><p>{{ html }}</p><p>{{ count }}</p>",
            library=f"Rival Academy {RLO}ymedaca{PDF} <b>",
            html=Markup(f"<em>{RLI}كتاب{PDI}</em>"),  # noqa: S704 - a constant
            count=3,
        )
    assert shown == (
        "<p>Rival Academy ymedaca &lt;b&gt;</p><p><em>كتاب</em></p><p>3</p>"
    )


def test_a_reviewers_profile_shows_a_library_typed_with_an_override_in_reading_order(
    client, session
):
    rival = make_reviewer(session, "rival@example.org", library=f"Rival Academy {RLO}ymedaca")
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    page = client.get(f"/admin/reviews/reviewers/{rival.id}").get_data(as_text=True)
    assert "Rival Academy ymedaca" in page and RLO not in page
