"""Submitting from the candidate's pages: the summary first, then one frozen snapshot."""

from __future__ import annotations

from sqlalchemy import select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import Submission
from portfolio.services.portfolios import artifacts
from portfolio.services.portfolios import entries as portfolios
from tests.helpers import csrf_token
from tests.portfolio_fixtures import fill_set


def submit_url(enrollment_set):
    return f"/me/portfolio/sets/{enrollment_set.id}/submit"


def submissions_of(session, enrollment_set):
    query = select(Submission).where(Submission.enrollment_set_id == enrollment_set.id)
    return session.scalars(query).all()


def test_the_summary_shows_what_will_be_sent(client, session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    session.commit()
    html = client.get(submit_url(signed_in.sets[0])).get_data(as_text=True)
    assert "<h1>Submit S1: Set 1</h1>" in html
    assert "I learned to serve every reader." in html
    assert "S1-1: Competency 1.1" in html and "S1-2: Competency 1.2" in html
    assert "1 artifact" in html and "Evidence for S1-2" in html
    assert "Submit S1 for review</button>" in html
    assert "If this set is not met, you can revise and resubmit it once." in html


def test_the_resubmit_page_says_it_is_the_last_attempt(client, session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    signed_in.sets[0].status = SetLifecycle.NOT_YET_MET
    session.commit()
    html = client.get(submit_url(signed_in.sets[0])).get_data(as_text=True)
    assert "This is your last resubmission for this set: if it is not met, the set is" in html


def test_the_summary_names_competencies_without_evidence_and_offers_no_button(
    client, session, signed_in
):
    fill_set(session, signed_in, signed_in.sets[0])
    entry = signed_in.entry(session, "S1-2")
    artifacts.unlink_artifact(session, entry.artifacts[0], [entry.competency_id], actor=None)
    session.commit()
    html = client.get(submit_url(signed_in.sets[0])).get_data(as_text=True)
    assert "Before you can submit this set" in html
    assert "S1-2 (Competency 1.2): add at least one artifact" in html
    assert "for review</button>" not in html


def test_submitting_a_set_lacking_evidence_is_422_with_which_ones(client, session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    entry = signed_in.entry(session, "S1-1")
    portfolios.update_narrative(session, entry, "", entry.version)
    session.commit()
    url = submit_url(signed_in.sets[0])
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "S1-1 (Competency 1.1): add a narrative" in html
    assert "S1-2" not in html.split("Before you can submit")[1].split("</ul>")[0]
    assert submissions_of(session, signed_in.sets[0]) == []


def test_submitting_freezes_a_snapshot_shown_read_only(client, session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    session.commit()
    url = submit_url(signed_in.sets[0])
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    (submission,) = submissions_of(session, signed_in.sets[0])
    assert response.headers["Location"].endswith(f"/me/submissions/{submission.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "S1 is submitted." in page
    assert "<h1>S1: Set 1, submission 1</h1>" in page
    assert submission.snapshot_sha256 in page
    assert "How I met S1-2." in page
    assert "<form" not in page.split("<main")[1]  # nothing to change on a snapshot


def test_submitting_twice_in_a_row_makes_one_snapshot(client, session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    session.commit()
    url = submit_url(signed_in.sets[0])
    token = csrf_token(client, url)
    first = client.post(url, data={"csrf_token": token})
    second = client.post(url, data={"csrf_token": token})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "already been submitted" in second.get_data(as_text=True)
    assert len(submissions_of(session, signed_in.sets[0])) == 1


def test_editing_after_submitting_leaves_the_snapshot_page_unchanged(client, session, signed_in):
    fill_set(session, signed_in, signed_in.sets[0])
    session.commit()
    url = submit_url(signed_in.sets[0])
    client.post(url, data={"csrf_token": csrf_token(client, url)})
    (submission,) = submissions_of(session, signed_in.sets[0])
    fingerprint = submission.snapshot_sha256
    entry = signed_in.entry(session, "S1-1")
    entry_url = f"/me/portfolio/entries/{entry.id}"
    response = client.post(
        entry_url,
        data={
            "csrf_token": csrf_token(client, entry_url),
            "narrative": "A better draft.",
            "version": str(entry.version),
        },
    )
    assert response.status_code == 302
    session.expire_all()
    stored = session.get(Submission, submission.id)
    assert stored.snapshot_sha256 == fingerprint
    page = client.get(f"/me/submissions/{submission.id}").get_data(as_text=True)
    assert "How I met S1-1." in page and "A better draft." not in page
    assert "A better draft." in client.get(entry_url).get_data(as_text=True)


def test_each_competency_on_the_summary_links_to_its_entry(client, session, signed_in):
    """The summary says what is missing before the set can be submitted; each competency in
    its table opens the entry where that is added, so the candidate is not left to find it."""
    fill_set(session, signed_in, signed_in.sets[0])
    entry = signed_in.entry(session, "S1-2")
    artifacts.unlink_artifact(session, entry.artifacts[0], [entry.competency_id], actor=None)
    session.commit()
    html = client.get(submit_url(signed_in.sets[0])).get_data(as_text=True)
    assert "S1-2 (Competency 1.2): add at least one artifact" in html
    assert f'<a href="/me/portfolio/entries/{entry.id}">S1-2: Competency 1.2</a>' in html
    page = client.get(f"/me/portfolio/entries/{entry.id}")
    assert page.status_code == 200
