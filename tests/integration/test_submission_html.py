"""A submission's texts keep their HTML beside the frozen snapshot, so no page showing a
submission parses Markdown (issue 11, section 1): the candidate's and the supervisor's
submission pages, the reviewer's scoring screen, the calibration exercise and the
administrators' outcome and calibration-anchor pages.
"""

from __future__ import annotations

import cmarkgfm
import pytest
from sqlalchemy import select

from portfolio.domain.portfolios.narrative import RENDERER_VERSION
from portfolio.domain.portfolios.snapshots import snapshot_sha256
from portfolio.models import Assignment, Role, Submission, SupervisorLink
from portfolio.models.base import utcnow
from portfolio.services.portfolios import rendering, submissions
from portfolio.services.reviewing import calibration
from portfolio.web import clock
from tests.helpers import login_as, make_user, post_form
from tests.portfolio_fixtures import fill_set
from tests.review_fixtures import make_reviewer

STORED_STATEMENT = "<p>What I <em>learned</em> (stored).</p>"
STORED_NARRATIVE = "<p><strong>Shelving</strong> (stored)</p>"


@pytest.fixture
def submitted(session, signed_in):
    """Alice's first set, submitted with a statement and a narrative in Markdown, and two
    reviewers assigned."""
    for i in (1, 2):
        make_reviewer(session, f"r{i}@example.org", sets=("S1",), slug="pfx")
    fill_set(session, signed_in, signed_in.sets[0])
    portfolio = signed_in.portfolio(session)
    portfolio.learning_statement = "What I *learned*."
    portfolio.learning_statement_html = "<p>What I <em>learned</em>.</p>"
    portfolio.learning_statement_rendered_with = RENDERER_VERSION
    entry = signed_in.entry(session, "S1-1")
    entry.narrative = "**Shelving** <script>alert(1)</script>"
    entry.narrative_html = "<p><strong>Shelving</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    entry.narrative_rendered_with = RENDERER_VERSION
    session.flush()
    submission = submissions.submit_set(session, signed_in.sets[0], signed_in.user, clock.today())
    session.commit()
    return submission


@pytest.fixture
def no_markdown_parsing(monkeypatch):
    """Makes any Markdown parse fail the request: what a page view must never need."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("Markdown was parsed while showing a page")

    monkeypatch.setattr(cmarkgfm, "markdown_to_html_with_extensions", refuse)


def _mark_stored(session, submission):
    """Replace the stored HTML with recognisable text, as the current renderer's."""
    submission.snapshot_html = {
        **submission.snapshot_html,
        "learning_statement": STORED_STATEMENT,
        "narratives": {**submission.snapshot_html["narratives"], "S1-1": STORED_NARRATIVE},
    }
    session.commit()


def test_submitting_keeps_each_texts_saved_html_outside_the_fingerprinted_snapshot(
    session, signed_in, submitted
):
    html = submitted.snapshot_html
    assert submitted.snapshot_html_rendered_with == RENDERER_VERSION
    assert html["for"] == submitted.snapshot_sha256
    assert html["learning_statement"] == "<p>What I <em>learned</em>.</p>"
    assert html["narratives"]["S1-1"] == (
        "<p><strong>Shelving</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    # The other competencies of the set have theirs too, one per competency of the snapshot.
    codes = [entry["code"] for entry in submitted.snapshot["competencies"]]
    assert sorted(html["narratives"]) == sorted(codes)
    # The snapshot itself holds the Markdown only, and its fingerprint is of that.
    assert "html" not in str(submitted.snapshot)
    assert submitted.snapshot_sha256 == snapshot_sha256(submitted.snapshot)


def test_submitting_takes_the_html_stored_when_the_text_was_saved(session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    entry = signed_in.entry(session, "S1-1")
    entry.narrative = "**Shelving**"
    entry.narrative_html = STORED_NARRATIVE  # not what rendering now would give
    entry.narrative_rendered_with = RENDERER_VERSION
    stale = signed_in.entry(session, "S1-2")
    stale.narrative, stale.narrative_html = "*new*", "<p>an older renderer's output</p>"
    stale.narrative_rendered_with = "python-markdown 3.11"
    session.flush()
    submission = submissions.submit_set(session, signed_in.sets[0], signed_in.user, clock.today())
    assert submission.snapshot_html["narratives"]["S1-1"] == STORED_NARRATIVE
    assert submission.snapshot_html["narratives"]["S1-2"] == "<p><em>new</em></p>"


def test_the_candidates_submission_page_shows_the_stored_html_without_parsing_markdown(
    client, session, submitted, no_markdown_parsing
):
    _mark_stored(session, submitted)
    page = client.get(f"/me/submissions/{submitted.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert STORED_STATEMENT in text and STORED_NARRATIVE in text


def test_the_scoring_screen_shows_the_stored_html_without_parsing_markdown(
    client, session, submitted, no_markdown_parsing
):
    _mark_stored(session, submitted)
    assignment = session.scalars(
        select(Assignment).where(Assignment.submission_id == submitted.id)
    ).first()
    login_as(client, assignment.reviewer)
    page = client.get(f"/review/assignments/{assignment.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert STORED_STATEMENT in text and STORED_NARRATIVE in text


def test_the_supervisors_submission_page_shows_the_stored_html_without_parsing_markdown(
    client, session, signed_in, submitted, no_markdown_parsing
):
    _mark_stored(session, submitted)
    boss = make_user(session, "boss@example.org", roles=(Role.SUPERVISOR,))
    session.add(
        SupervisorLink(
            candidate_id=signed_in.user.id,
            email=boss.email,
            supervisor_id=boss.id,
            accepted_at=utcnow(),
            shares_evidence=True,
        )
    )
    session.commit()
    login_as(client, boss)
    page = client.get(f"/supervise/staff/{signed_in.user.id}/submissions/{submitted.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert STORED_STATEMENT in text and STORED_NARRATIVE in text


def test_the_calibration_exercise_shows_the_stored_html_without_parsing_markdown(
    client, session, submitted, no_markdown_parsing
):
    _mark_stored(session, submitted)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    codes = [entry["code"] for entry in submitted.snapshot["competencies"]]
    calibration.mark_anchor(session, submitted, actor=admin, agreed=dict.fromkeys(codes, "met"))
    fresh = make_reviewer(session, "fresh@example.org", sets=("S1",), slug="pfx")
    session.commit()
    login_as(client, fresh)
    started = post_form(client, "/review/calibration", {})
    assert started.status_code == 302, started.get_data(as_text=True)
    page = client.get(started.headers["Location"])
    assert page.status_code == 200
    assert STORED_NARRATIVE in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "page", ["/admin/reviews/submissions/{id}", "/admin/reviews/submissions/{id}/anchor"]
)
def test_the_administrators_outcome_and_anchor_pages_show_the_stored_html_without_parsing(
    client, session, submitted, no_markdown_parsing, page
):
    _mark_stored(session, submitted)
    login_as(client, make_user(session, "office@example.org", roles=(Role.ADMINISTRATOR,)))
    reply = client.get(page.format(id=submitted.id))
    assert reply.status_code == 200
    text = reply.get_data(as_text=True)
    assert STORED_STATEMENT in text and STORED_NARRATIVE in text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"rendered_with": "python-markdown 3.11"}, id="an older renderer's"),
        pytest.param({"for": "0" * 64}, id="made for another snapshot"),
        pytest.param({"narratives": {"S1-1": STORED_NARRATIVE}}, id="missing competencies"),
        pytest.param({"learning_statement": ["not", "html"]}, id="of another shape"),
    ],
)
def test_stored_html_that_does_not_fit_is_not_shown_and_a_get_writes_nothing(
    client, session, submitted, change
):
    _mark_stored(session, submitted)
    stored = {
        **submitted.snapshot_html,
        **{k: v for k, v in change.items() if k != "rendered_with"},
    }
    submitted.snapshot_html = stored
    submitted.snapshot_html_rendered_with = change.get("rendered_with", RENDERER_VERSION)
    session.commit()
    text = client.get(f"/me/submissions/{submitted.id}").get_data(as_text=True)
    # Rendered from the frozen Markdown instead, and typed markup is still text.
    assert "What I <em>learned</em>." in text and STORED_STATEMENT not in text
    assert "<strong>Shelving</strong> &lt;script&gt;" in text
    session.expire_all()
    again = session.get(Submission, submitted.id)
    assert again.snapshot_html == stored  # nothing written on a GET


def test_render_stale_renders_submissions_again_and_never_touches_the_snapshot(
    app, session, submitted
):
    snapshot, fingerprint = dict(submitted.snapshot), submitted.snapshot_sha256
    submitted.snapshot_html = {}
    submitted.snapshot_html_rendered_with = "python-markdown 3.11"
    session.commit()
    result = app.test_cli_runner().invoke(args=["portfolios", "render-markdown"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    again = session.get(Submission, submitted.id)
    assert again.snapshot_html_rendered_with == RENDERER_VERSION
    assert again.snapshot_html["for"] == fingerprint
    assert again.snapshot_html["learning_statement"] == "<p>What I <em>learned</em>.</p>"
    assert again.snapshot == snapshot and again.snapshot_sha256 == fingerprint
    assert rendering.render_stale(session) == 0


def test_render_stale_leaves_a_corrupt_snapshot_as_it_is(session, submitted):
    submitted.snapshot = {**submitted.snapshot, "learning_statement": "Changed later."}
    submitted.snapshot_html_rendered_with = "python-markdown 3.11"
    session.commit()
    rendering.render_stale(session)
    session.commit()
    session.expire_all()
    assert session.get(Submission, submitted.id).snapshot_html_rendered_with == (
        "python-markdown 3.11"
    )
