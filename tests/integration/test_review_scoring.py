"""The reviewer's queue and scoring screen: what they see, drafts, autosave, submit, decline."""

from __future__ import annotations

import re

from sqlalchemy import select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import Assignment, AssignmentStatus, ReviewRating
from portfolio.services.audit import events_for
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import csrf_token, login_as
from tests.review_fixtures import CANDIDATE_LIBRARY, make_world


def setup_assigned(session, **kwargs):
    world = make_world(session, **kwargs)
    assignments.assign_for_submission(session, world.submission, clock.today())
    rows = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    session.commit()
    return world, rows


def page_url(assignment):
    return f"/review/assignments/{assignment.id}"


def form_data(
    client, world, assignment, levels, *, action="save", comment="Needs detail.", version=None
):
    data = {
        "csrf_token": csrf_token(client, page_url(assignment)),
        "version": str(assignment.version if version is None else version),
        "overall_comment": "Overall, good work.",
        "action": action,
    }
    for competency in world.competencies:
        level = levels.get(competency.code, "")
        data[f"rating-{competency.id}"] = level
        data[f"comment-{competency.id}"] = "" if level == "met" else comment
    return data


def test_the_queue_lists_open_reviews_without_the_candidates_name(client, session):
    world, (first, _second) = setup_assigned(session)
    first.due_on = clock.today().replace(year=clock.today().year + 1, month=7, day=3)
    session.flush()
    login_as(client, first.reviewer)
    page = client.get("/review/").get_data(as_text=True)
    assert "Core skills" in page and page_url(first) in page
    assert world.candidate.name not in page and world.candidate.email not in page
    # Dates print without a leading zero, in English (domain.dates through long_date).
    assert f"<td>3 July {clock.today().year + 1}" in page and "03 July" not in page
    screen = client.get(page_url(first)).get_data(as_text=True)
    assert f"Due 3 July {clock.today().year + 1}." in screen and "03 July" not in screen


def test_the_scoring_screen_shows_the_frozen_snapshot_and_the_rubric(client, session):
    world, (first, _second) = setup_assigned(session)
    login_as(client, first.reviewer)
    response = client.get(page_url(first))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "I grew a lot." in page  # learning statement
    assert "<strong>two hundred</strong>" in page  # narrative rendered from Markdown
    assert "Evidence for C1" in page and "c1-report.pdf" in page  # artifact caption and name
    assert 'href="https://example.org/post"' in page
    # Descriptors side by side: the competency's own, else the framework's.
    assert "Catalogues independently, with examples." in page
    assert "Shown in part, or only in general terms." in page
    c1 = world.competencies[0].id
    for key in ("met", "partially_met", "not_met"):
        assert f'id="rating-{c1}-{key}" name="rating-{c1}" value="{key}"' in page
    assert f'<label for="comment-{c1}">' in page
    # Keyboard: anchors to move between competencies.
    assert f'href="#competency-{world.competencies[1].id}">Next competency' in page
    assert "<script>" not in page and "js/review.js" in page


def test_a_blind_review_hides_the_candidates_name_email_and_library(client, session):
    world, (first, _second) = setup_assigned(session, blind=True)
    login_as(client, first.reviewer)
    page = client.get(page_url(first)).get_data(as_text=True)
    for secret in (world.candidate.name, world.candidate.email, CANDIDATE_LIBRARY):
        assert secret not in page


def test_an_open_review_shows_the_candidate_when_the_program_allows(client, session):
    world, (first, _second) = setup_assigned(session, blind=False)
    login_as(client, first.reviewer)
    page = client.get(page_url(first)).get_data(as_text=True)
    assert world.candidate.name in page and CANDIDATE_LIBRARY in page


def test_saving_a_draft_keeps_ratings_and_comments(client, session):
    world, (first, _second) = setup_assigned(session)
    login_as(client, first.reviewer)
    levels = {"C1": "met", "C2": "partially_met"}
    response = client.post(page_url(first), data=form_data(client, world, first, levels))
    assert response.status_code == 302
    session.expire_all()
    ratings = {r.competency.code: (r.level, r.comment) for r in first.ratings}
    assert ratings["C1"] == ("met", "") and ratings["C2"] == ("partially_met", "Needs detail.")
    assert ratings["C3"] == (None, "Needs detail.")
    assert first.status is AssignmentStatus.ASSIGNED and first.version == 2
    page = client.get(page_url(first)).get_data(as_text=True)
    c2 = world.competencies[1].id
    assert re.search(rf'id="rating-{c2}-partially_met"[^>]*checked', page)
    assert not re.search(rf'id="rating-{c2}-met"[^>]*checked', page)


def test_autosave_answers_json_with_the_new_version(client, session):
    world, (first, _second) = setup_assigned(session)
    login_as(client, first.reviewer)
    data = form_data(client, world, first, {"C1": "not_met"}, comment="No example given.")
    token = data.pop("csrf_token")
    response = client.post(f"{page_url(first)}/draft", data=data, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json["version"] == 2 and response.json["saved_at"].endswith("UTC")
    session.expire_all()
    assert {r.competency.code: r.level for r in first.ratings}["C1"] == "not_met"


def test_a_second_tab_cannot_silently_overwrite(client, session):
    world, (first, _second) = setup_assigned(session)
    login_as(client, first.reviewer)
    stale = first.version
    client.post(page_url(first), data=form_data(client, world, first, {"C1": "met"}))
    data = form_data(
        client, world, first, {"C1": "not_met"}, version=stale, comment="Typed in tab two"
    )
    token = data.pop("csrf_token")
    response = client.post(f"{page_url(first)}/draft", data=data, headers={"X-CSRFToken": token})
    assert response.status_code == 409
    assert "changed since you opened it" in response.json["message"]
    session.expire_all()
    assert {r.competency.code: r.level for r in first.ratings}["C1"] == "met"  # first save kept


def test_a_stale_form_post_shows_what_was_typed_with_the_conflict(client, session):
    world, (first, _second) = setup_assigned(session)
    login_as(client, first.reviewer)
    stale = first.version
    client.post(page_url(first), data=form_data(client, world, first, {"C1": "met"}))
    data = form_data(
        client, world, first, {"C2": "not_met"}, version=stale, comment="Typed in tab two"
    )
    response = client.post(page_url(first), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed since you opened it" in page
    assert "Typed in tab two" in page  # nothing the reviewer typed is lost from the page
    assert "Saving it now replaces the version saved elsewhere." in page


def test_submitting_is_final_and_audited(client, session, mailbox):
    world, (first, _second) = setup_assigned(session)
    login_as(client, first.reviewer)
    data = form_data(
        client, world, first, {"C1": "met", "C2": "met", "C3": "partially_met"}, action="submit"
    )
    response = client.post(page_url(first), data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/review/")
    session.expire_all()
    assert first.status is AssignmentStatus.SUBMITTED and first.submitted_at is not None
    (event,) = [
        e for e in events_for(session, "assignment", first.id) if e.action == "review.submitted"
    ]
    assert event.details["ratings"] == {"C1": "met", "C2": "met", "C3": "partially_met"}
    assert event.actor_id == first.reviewer_id
    page = client.get(page_url(first)).get_data(as_text=True)
    assert "A submitted review cannot change." in page and "Submit review</button>" not in page


def test_declining_gives_the_review_to_someone_else(client, session):
    _world, (first, _second) = setup_assigned(session, reviewers=3)
    login_as(client, first.reviewer)
    url = f"{page_url(first)}/decline"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "reason": "Away all month"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert first.status is AssignmentStatus.DECLINED and first.closed_reason == "Away all month"
    open_ = session.scalars(
        select(Assignment).where(Assignment.status == AssignmentStatus.ASSIGNED)
    ).all()
    assert len(open_) == 2 and first.reviewer_id not in {a.reviewer_id for a in open_}


def test_declining_without_a_reason_is_refused(client, session):
    _world, (first, _second) = setup_assigned(session, reviewers=3)
    login_as(client, first.reviewer)
    url = f"{page_url(first)}/decline"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "  "})
    assert response.status_code == 422 and "Give a reason." in response.get_data(as_text=True)
    session.expire_all()
    assert first.status is AssignmentStatus.ASSIGNED


def test_ratings_saved_before_an_error_are_not_lost(client, session):
    world, (first, _second) = setup_assigned(session)
    login_as(client, first.reviewer)
    client.post(page_url(first), data=form_data(client, world, first, {"C1": "met"}))
    bad = form_data(client, world, first, {"C1": "excellent"})
    assert client.post(page_url(first), data=bad).status_code == 422
    session.expire_all()
    assert (
        session.scalars(select(ReviewRating.level).where(ReviewRating.assignment_id == first.id))
        .all()
        .count("met")
        == 1
    )


def test_a_resubmission_shows_what_changed_to_the_returning_reviewer(client, session):
    from tests.review_fixtures import NARRATIVES, make_submission, snapshot, submit

    world = make_world(session, reviewers=3)
    assignments.assign_for_submission(session, world.submission, clock.today())
    first_pair = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    for assignment in first_pair:
        submit(session, world, assignment, "partially_met")
    assert world.enrollment_set.status == "not_yet_met"
    world.enrollment_set.status = SetLifecycle.RESUBMITTED  # what the candidate's resubmit does
    world.enrollment_set.resubmissions_used = 1
    revised = snapshot({**NARRATIVES, "C2": "I ran the summer reading club for 300 children."})
    revised["competencies"][1]["artifacts"] = revised["competencies"][1]["artifacts"][:1]
    second = make_submission(session, world.enrollment_set, attempt=2, document=revised)
    assignments.assign_for_submission(session, second, clock.today())
    again = session.scalars(select(Assignment).where(Assignment.submission_id == second.id)).all()
    assert {a.reviewer_id for a in again} == {a.reviewer_id for a in first_pair}
    session.commit()
    login_as(client, again[0].reviewer)
    page = client.get(page_url(again[0])).get_data(as_text=True)
    assert "This is a resubmission (attempt 2)" in page
    assert (
        '<del><span class="visually-hidden">Removed: </span>I ran the summer reading club.</del>'
        in page
    )
    added = "I ran the summer reading club for 300 children."
    assert f'<ins><span class="visually-hidden">Added: </span>{added}</ins>' in page
    assert "Artifacts removed" in page and "Blog post" in page
    assert page.count("Unchanged since the previous attempt.") == 2


def test_hostile_narratives_are_inert_on_the_scoring_screen(client, session):
    from portfolio.domain.portfolios.snapshots import snapshot_sha256
    from tests.review_fixtures import snapshot

    world, (first, _second) = setup_assigned(session)
    world.submission.snapshot = snapshot(
        {
            "C1": "<script>alert(1)</script> [x](javascript:alert(2))",
            "C2": '<img src=x onerror="alert(3)">',
            "C3": '[y](http://a.example "a\\" onmouseover=\\"alert(4)")',
        },
        statement="<iframe src=//evil.example></iframe>",
    )
    world.submission.snapshot_sha256 = snapshot_sha256(world.submission.snapshot)
    session.commit()
    login_as(client, first.reviewer)
    page = client.get(page_url(first)).get_data(as_text=True)
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        found: list[tuple[str, list[tuple[str, str | None]]]] = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, attrs))

    parser = Tags()
    parser.feed(page)
    assert not [t for t, _ in parser.found if t in ("iframe", "img")]
    scripts = [a for t, a in parser.found if t == "script"]
    assert scripts == [  # ours only
        [("src", "/static/js/page.js"), ("defer", None)],
        [("src", "/static/js/review.js"), ("defer", None)],
    ]
    for _tag, attrs in parser.found:
        assert not [name for name, _ in attrs if name.startswith("on")]
        assert not [v for n, v in attrs if n == "href" and (v or "").startswith("javascript:")]
    assert "&lt;script&gt;" in page  # shown as text, not dropped silently
