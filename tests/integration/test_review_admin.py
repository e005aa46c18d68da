"""Administrators' review pages: profiles, conflicts, queues, reassigning, due dates, outcomes."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portfolio.domain.dates import format_date
from portfolio.models import (
    Assignment,
    AssignmentStatus,
    ConflictOfInterest,
    OutcomeStatus,
    ReviewerProfile,
    Role,
    SetOutcomeRecord,
)
from portfolio.services.audit import events_for
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import csrf_token, login_as, make_user
from tests.integration.test_course_checks import text_of
from tests.review_fixtures import make_reviewer, make_world, needing_an_elective, submit

TODAY = clock.today()


def admin_client(client, session):
    admin = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    return admin


def post(client, url, data, page=None):
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data})


def test_review_administration_is_for_administrators_only(client, session):
    reviewer = make_reviewer(session, "r@example.org")
    session.commit()
    login_as(client, reviewer)
    for url in ("/admin/reviews", "/admin/reviews/unassigned", "/admin/reviews/reviewers"):
        assert client.get(url).status_code == 403


def test_an_administrator_sets_qualifications_and_capacity(client, session):
    make_world(session, reviewers=0)
    person = make_user(session, "new.reviewer@example.org", name="Nia New", roles=(Role.REVIEWER,))
    admin = admin_client(client, session)
    listing = client.get("/admin/reviews/reviewers").get_data(as_text=True)
    assert "Nia New" in listing and "No profile yet" in listing
    url = f"/admin/reviews/reviewers/{person.id}"
    response = post(
        client,
        url,
        {
            "capacity": "5",
            "library": "Capital City Library",
            "active": "y",
            "qualifications": ["tstp:CORE", "tstp:OTHER"],
        },
    )
    assert response.status_code == 302
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == person.id))
    session.refresh(profile)
    assert profile.capacity == 5 and profile.library == "Capital City Library"
    assert sorted(q.set_code for q in profile.qualifications) == ["CORE", "OTHER"]
    (event,) = events_for(session, "reviewer_profile", profile.id)
    assert event.actor_id == admin.id and event.details["qualifications"] == [
        "tstp:CORE",
        "tstp:OTHER",
    ]


def test_a_capacity_out_of_range_is_refused(client, session):
    person = make_reviewer(session, "r@example.org")
    admin_client(client, session)
    url = f"/admin/reviews/reviewers/{person.id}"
    response = post(client, url, {"capacity": "0", "active": "y"})
    assert response.status_code == 422


def test_time_away_is_recorded_and_shown(client, session):
    person = make_reviewer(session, "r@example.org")
    admin_client(client, session)
    page = f"/admin/reviews/reviewers/{person.id}"
    start, end = TODAY + timedelta(days=3), TODAY + timedelta(days=10)
    response = post(
        client,
        f"{page}/unavailable",
        {"starts_on": str(start), "ends_on": str(end), "note": "Holiday"},
        page,
    )
    assert response.status_code == 302
    assert "Holiday" in client.get(page).get_data(as_text=True)
    backwards = post(
        client, f"{page}/unavailable", {"starts_on": str(end), "ends_on": str(start)}, page
    )
    assert backwards.status_code == 422
    assert "cannot come before the first" in backwards.get_data(as_text=True)


def test_declaring_a_conflict(client, session):
    world = make_world(session, reviewers=1)
    admin_client(client, session)
    reviewer = world.reviewers[0]
    response = post(
        client,
        "/admin/reviews/conflicts",
        {
            "candidate_email": world.candidate.email,
            "reviewer_email": reviewer.email,
            "reason": "Sister",
        },
    )
    assert response.status_code == 302
    conflict = session.scalar(select(ConflictOfInterest))
    assert (conflict.candidate_id, conflict.reviewer_id, conflict.reason) == (
        world.candidate.id,
        reviewer.id,
        "Sister",
    )
    again = post(
        client,
        "/admin/reviews/conflicts",
        {
            "candidate_email": world.candidate.email,
            "reviewer_email": reviewer.email,
            "reason": "Sister",
        },
    )
    assert again.status_code == 409


def test_the_unassigned_queue_says_why_nobody_fits(client, session):
    world = make_world(session, reviewers=0)
    make_reviewer(session, "elsewhere@example.org", sets=("OTHER",))
    assignments.assign_for_submission(session, world.submission, TODAY)
    admin_client(client, session)
    page = client.get("/admin/reviews/unassigned").get_data(as_text=True)
    assert world.candidate.name in page and "2 reviewers" in page
    assert "1 reviewer is not qualified for CORE" in page
    make_reviewer(session, "a@example.org")
    make_reviewer(session, "b@example.org")
    session.commit()
    response = post(client, "/admin/reviews/unassigned/retry", {}, "/admin/reviews/unassigned")
    assert response.status_code == 302
    assert "Every submitted set has its reviewers." in client.get(
        "/admin/reviews/unassigned"
    ).get_data(as_text=True)


def test_overdue_reviews_are_listed_with_their_reviewer(client, session):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, TODAY - timedelta(days=30))
    admin_client(client, session)
    page = client.get("/admin/reviews/overdue").get_data(as_text=True)
    for reviewer in world.reviewers:
        assert reviewer.name in page
    assert ">9<" in page  # days late: due 21 days after assignment, 30 days ago


def test_a_long_overdue_list_is_paged_and_filtered(client, session):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, TODAY - timedelta(days=30))
    admin_client(client, session)
    page = text_of(client.get("/admin/reviews/overdue?per_page=1"))
    assert "Showing 1 to 1 of 2 overdue reviews." in page and "Page 1 of 2." in page
    code = world.core.code
    assert "Showing 1 to 2 of 2" in text_of(client.get(f"/admin/reviews/overdue?set={code}"))
    assert client.get("/admin/reviews/overdue?set=NOPE").status_code == 400
    first = world.reviewers[0].name
    found = text_of(client.get(f"/admin/reviews/overdue?q={first}"))
    assert f"Showing 1 to 1 of 1 overdue review matching “{first}”." in found
    overview = client.get("/admin/reviews").get_data(as_text=True)
    assert "Overdue reviews</a> (2)" in overview  # the count is not capped by the list


def test_reassigning_by_hand_needs_a_reason_and_is_audited(client, session):
    world = make_world(session, reviewers=2)
    spare = make_reviewer(session, "spare@example.org", name="Sam Spare")
    assignments.assign_for_submission(session, world.submission, TODAY)
    first = session.scalars(select(Assignment).order_by(Assignment.id)).first()
    admin = admin_client(client, session)
    page = f"/admin/reviews/assignments/{first.id}"
    no_reason = post(client, f"{page}/reassign", {"reviewer": str(spare.id), "reason": ""}, page)
    assert no_reason.status_code == 422
    response = post(
        client, f"{page}/reassign", {"reviewer": str(spare.id), "reason": "On leave"}, page
    )
    assert response.status_code == 302
    session.expire_all()
    assert first.status is AssignmentStatus.REASSIGNED and first.closed_reason == "On leave"
    new = session.scalar(select(Assignment).where(Assignment.reviewer_id == spare.id))
    assert new.status is AssignmentStatus.ASSIGNED
    (event,) = [
        e
        for e in events_for(session, "assignment", first.id)
        if e.action == "assignment.reassigned"
    ]
    assert event.actor_id == admin.id and event.details["reason"] == "On leave"


def test_moving_a_due_date(client, session, mailbox):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, TODAY)
    first = session.scalars(select(Assignment).order_by(Assignment.id)).first()
    admin_client(client, session)
    page = f"/admin/reviews/assignments/{first.id}"
    new_day = TODAY + timedelta(days=40)
    mailbox.clear()
    response = post(client, f"{page}/due-date", {"due_on": str(new_day), "reason": "Summer"}, page)
    assert response.status_code == 302
    session.expire_all()
    assert first.due_on == new_day and first.due_moved_at is not None
    # The reviewer is told: the new date is firm, and may be earlier than the one they knew.
    [told] = mailbox.to(first.reviewer.email)
    assert told["Subject"].startswith("New due date for your review: ")
    assert f"to {format_date(new_day)}. The new date is firm" in mailbox.body(told)
    assert "Summer" not in mailbox.body(told)  # the reason is for the record only
    yesterday = str(TODAY - timedelta(days=1))
    past = post(client, f"{page}/due-date", {"due_on": yesterday, "reason": "Summer"}, page)
    assert past.status_code == 422 and "Choose today or a later day." in past.get_data(as_text=True)


def seen(client, page: str) -> dict[str, str]:
    """The outcome's revision as the page's forms carry it."""
    found = re.search(r'name="revision" type="hidden" value="(\d+)"', client.get(page).text)
    assert found, "the outcome page's forms carry no revision"
    return {"revision": found.group(1)}


def test_override_and_reopen_from_the_outcome_page_with_history(client, session):
    world = needing_an_elective(session, make_world(session))
    assignments.assign_for_submission(session, world.submission, TODAY)
    a, b = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    admin_client(client, session)
    page = f"/admin/reviews/submissions/{world.submission.id}"
    before = client.get(page).get_data(as_text=True)
    assert "<strong>Met</strong>" in before and a.reviewer.name in before
    blank = {"status": "not_yet_met", "reason": ""} | seen(client, page)
    refused = post(client, f"{page}/override", blank, page)
    assert refused.status_code == 422
    read_before = seen(client, page)
    response = post(
        client,
        f"{page}/override",
        {"status": "not_yet_met", "reason": "Copied evidence"} | read_before,
        page,
    )
    assert response.status_code == 302
    after = client.get(page).get_data(as_text=True)
    assert "Overridden: Copied evidence" in after
    assert "Before the override, the reviewers' ratings had combined to this:" in after
    assert "outcome.overridden: Copied evidence" in after  # in the history
    outcome = session.scalar(select(SetOutcomeRecord))
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.NOT_YET_MET

    # A tab still showing the outcome before the override cannot reopen it, nor override it back.
    stale = post(client, f"{page}/reopen", {"reason": "Appeal upheld"} | read_before, page)
    assert stale.status_code == 409
    assert (
        "This outcome changed since you opened the page: it is now not yet met. Read it again"
        in text_of(stale)
    )
    stale = post(
        client, f"{page}/override", {"status": "met", "reason": "It was fine"} | read_before, page
    )
    assert stale.status_code == 409
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.NOT_YET_MET
    unread = post(client, f"{page}/reopen", {"reason": "Appeal upheld"}, page)
    assert unread.status_code == 400

    fresh = {"reason": "Appeal upheld"} | seen(client, page)
    response = post(client, f"{page}/reopen", fresh, page)
    assert response.status_code == 302
    assert "outcome.reopened: Appeal upheld" in client.get(page).get_data(as_text=True)
    assert session.scalar(select(SetOutcomeRecord)) is None


def test_an_outcome_overridden_while_waiting_for_a_third_reviewer_reads_as_decided(
    client, session
):
    world = needing_an_elective(session, make_world(session))
    assignments.assign_for_submission(session, world.submission, TODAY)
    a, b = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    submit(session, world, a, "met")
    submit(session, world, b, "not_met")
    admin_client(client, session)
    page = f"/admin/reviews/submissions/{world.submission.id}"
    waiting = text_of(client.get(page))
    assert "Waiting for a third reviewer since" in waiting
    assert "decided" not in waiting.split("Reviewers")[0]
    form = {"status": "met", "reason": "The evidence is plainly there."} | seen(client, page)
    assert post(client, f"{page}/override", form, page).status_code == 302
    decided = text_of(client.get(page))
    assert re.search(r"Met , decided \d", decided)  # text_of leaves a space after <strong>
    assert "The reviewers' combined rating per competency, before the override" in decided
    assert "waiting" not in decided.split("Reviewers")[0].lower()


def test_an_override_the_lifecycle_refuses_is_409_and_changes_nothing(client, session):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, TODAY)
    a, b = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    world.enrollment_set.resubmissions_used = 1
    submit(session, world, a, "not_met")
    submit(session, world, b, "not_met")  # closed: no resubmission left
    admin_client(client, session)
    page = f"/admin/reviews/submissions/{world.submission.id}"
    response = post(
        client, f"{page}/override", {"status": "met", "reason": "Appeal"} | seen(client, page), page
    )
    assert response.status_code == 409
    outcome = session.scalar(select(SetOutcomeRecord))
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.CLOSED_NOT_MET and outcome.overridden_by_id is None
