"""Candidates can open their own files wherever they are listed (issue 13.3): on the
competency's page and on a submission's frozen page; another person's files never get a link."""

from __future__ import annotations

from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.services.portfolios import artifacts, submissions
from portfolio.web import clock
from tests.portfolio_fixtures import fill_set, make_upload


def test_a_candidate_downloads_their_file_from_the_entry_and_the_submission(
    client, session, signed_in, bob
):
    upload = make_upload(session, signed_in.user, name="minutes.pdf")
    entry = signed_in.entry(session, "S1-1")
    artifacts.add_file_artifact(
        session,
        signed_in.portfolio(session),
        upload_id=upload.id,
        caption="Meeting minutes",
        competency_ids=[entry.competency_id],
        actor=signed_in.user,
    )
    fill_set(session, signed_in, signed_in.sets[0])
    session.commit()
    link = f'href="/files/{upload.id}"'
    assert link in client.get(f"/me/portfolio/entries/{entry.id}").get_data(as_text=True)

    submission = submissions.submit_set(session, signed_in.sets[0], signed_in.user, clock.today())
    session.commit()
    page = client.get(f"/me/submissions/{submission.id}").get_data(as_text=True)
    assert "Meeting minutes" in page and link in page
    # The same snapshot gives Bob no link to Alice's file.
    snapshot = read_snapshot(submission.snapshot, submission.snapshot_sha256)
    assert submissions.own_files(session, bob.user, snapshot) == {}
