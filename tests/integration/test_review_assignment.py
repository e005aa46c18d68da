"""Automatic assignment: who gets a submitted set, who never does, and the unassigned queue."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import (
    Assignment,
    AssignmentStatus,
    ConflictOfInterest,
    ReviewShortfall,
    SubmissionStatus,
    SupervisorLink,
)
from portfolio.services.audit import events_for
from portfolio.services.reviewing import assignments
from tests.helpers import pending_emails
from tests.review_fixtures import CANDIDATE_LIBRARY, make_reviewer, make_world

TODAY = date(2025, 3, 3)


def assigned(session, submission):
    return session.scalars(
        select(Assignment).where(Assignment.submission_id == submission.id).order_by(Assignment.id)
    ).all()


def test_two_qualified_reviewers_are_assigned_with_a_due_date_from_the_rules(session):
    world = make_world(session, reviewers=3)
    result = assignments.assign_for_submission(session, world.submission, TODAY)
    rows = assigned(session, world.submission)
    assert len(rows) == 2 and result is not None and result.shortfall == 0
    assert {a.reviewer_id for a in rows} < {r.id for r in world.reviewers}
    assert all(a.due_on == TODAY + timedelta(days=21) for a in rows)
    assert world.enrollment_set.status == "in_review"
    assert world.submission.status == SubmissionStatus.IN_REVIEW
    actions = [e.action for e in events_for(session, "assignment", rows[0].id)]
    assert actions == ["assignment.created"]


def test_each_new_reviewer_gets_an_email_after_the_commit(session, mailbox):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, TODAY)
    assert mailbox.messages == []  # nothing goes out before the work is committed
    assert len(pending_emails(session)) == 2
    session.commit()
    for reviewer in world.reviewers:
        (message,) = mailbox.to(reviewer.email)
        assert message["Subject"] == "New review: Core skills"
        assert "due on" in mailbox.body(message)
        # The email links straight to the review it is about.
        assignment = session.scalar(
            select(Assignment).where(Assignment.reviewer_id == reviewer.id)
        )
        assert f"http://localhost/review/assignments/{assignment.id}" in mailbox.body(message)


def test_a_rolled_back_assignment_sends_no_email(session, mailbox):
    world = make_world(session)
    session.commit()
    assignments.assign_for_submission(session, world.submission, TODAY)
    session.rollback()
    assert pending_emails(session) == []
    assert mailbox.messages == []


def test_least_loaded_reviewers_come_first(session):
    world = make_world(session, reviewers=0)
    busy = make_reviewer(session, "busy@example.org", capacity=4)
    free_a = make_reviewer(session, "free.a@example.org", capacity=4)
    free_b = make_reviewer(session, "free.b@example.org", capacity=4)
    other = make_world_submission_for(session, world)
    assignments.assign_for_submission(session, other, TODAY)  # loads two of them
    loaded = {a.reviewer_id for a in assigned(session, other)}
    assignments.assign_for_submission(session, world.submission, TODAY)
    chosen = {a.reviewer_id for a in assigned(session, world.submission)}
    idle = {busy.id, free_a.id, free_b.id} - loaded
    assert idle <= chosen


def make_world_submission_for(session, world):
    """A second candidate's submission of the same set."""
    from portfolio.models import EnrollmentSet, Route
    from tests.review_fixtures import make_candidate, make_submission

    _candidate, enrollment = make_candidate(
        session, world.framework, email="other.candidate@example.org", library="Ogdenville Library"
    )
    enrollment_set = EnrollmentSet(
        enrollment=enrollment,
        set_id=world.core.id,
        route=Route.PORTFOLIO,
        status=SetLifecycle.SUBMITTED,
    )
    session.add(enrollment_set)
    session.flush()
    return make_submission(session, enrollment_set)


def test_a_reviewer_is_never_assigned_their_own_portfolio(session):
    world = make_world(session, reviewers=1)
    # The candidate also reviews, is qualified for the set and has no work at all.
    make_reviewer_profile_for(session, world.candidate)
    assignments.assign_for_submission(session, world.submission, TODAY)
    assert world.candidate.id not in {a.reviewer_id for a in assigned(session, world.submission)}


def make_reviewer_profile_for(session, user, library="Faraway Library"):
    from portfolio.models import ReviewerProfile, ReviewerQualification, Role, UserRole

    user.roles.append(UserRole(role=Role.REVIEWER))
    profile = ReviewerProfile(user_id=user.id, capacity=5, library=library, active=True)
    profile.qualifications = [ReviewerQualification(framework_slug="tstp", set_code="CORE")]
    session.add(profile)
    session.flush()


def test_a_reviewer_is_never_assigned_their_own_staff(session):
    world = make_world(session, reviewers=1)
    boss = make_reviewer(session, "boss@example.org", capacity=9)
    session.add(
        SupervisorLink(
            candidate_id=world.candidate.id, email="boss@example.org", supervisor_id=boss.id
        )
    )
    session.flush()
    assignments.assign_for_submission(session, world.submission, TODAY)
    assert boss.id not in {a.reviewer_id for a in assigned(session, world.submission)}


def test_a_supervisor_invited_by_email_is_excluded_before_accepting(session):
    world = make_world(session, reviewers=1)
    boss = make_reviewer(session, "Boss@Example.org", capacity=9)
    session.add(SupervisorLink(candidate_id=world.candidate.id, email="boss@example.org"))
    session.flush()
    assignments.assign_for_submission(session, world.submission, TODAY)
    assert boss.id not in {a.reviewer_id for a in assigned(session, world.submission)}


def test_same_library_and_declared_conflicts_are_excluded(session):
    world = make_world(session, reviewers=0)
    make_reviewer(session, "colleague@example.org", library=CANDIDATE_LIBRARY.upper())
    rival = make_reviewer(session, "rival@example.org")
    session.add(
        ConflictOfInterest(
            candidate_id=world.candidate.id,
            reviewer_id=rival.id,
            declared_by_id=world.candidate.id,
            reason="Former manager",
        )
    )
    fine = make_reviewer(session, "fine@example.org")
    session.flush()
    result = assignments.assign_for_submission(session, world.submission, TODAY)
    assert [a.reviewer_id for a in assigned(session, world.submission)] == [fine.id]
    assert result is not None and result.shortfall == 1


def test_when_nobody_fits_the_set_waits_in_the_unassigned_queue_with_reasons(session):
    world = make_world(session, reviewers=0)
    make_reviewer(session, "unqualified@example.org", sets=("OTHER",))
    make_reviewer(session, "colleague@example.org", library=CANDIDATE_LIBRARY)
    away = make_reviewer(session, "away@example.org")
    from portfolio.models import ReviewerProfile, ReviewerUnavailability

    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == away.id))
    profile.unavailability.append(
        ReviewerUnavailability(
            starts_on=TODAY - timedelta(days=1), ends_on=TODAY + timedelta(days=9)
        )
    )
    session.flush()
    assignments.assign_for_submission(session, world.submission, TODAY)
    row = session.scalar(
        select(ReviewShortfall).where(ReviewShortfall.submission_id == world.submission.id)
    )
    assert row is not None and row.missing == 2
    reasons = " | ".join(row.reasons["reasons"])
    assert "1 reviewer is not qualified for CORE" in reasons
    assert "works at the candidate's library" in reasons
    assert f"unavailable through {TODAY + timedelta(days=9)}" in reasons
    assert world.enrollment_set.status == "submitted"  # nobody yet: still waiting


def test_retrying_the_queue_assigns_once_reviewers_are_free(session):
    world = make_world(session, reviewers=0)
    assignments.assign_for_submission(session, world.submission, TODAY)
    assert session.scalar(select(ReviewShortfall)) is not None
    make_reviewer(session, "new.one@example.org")
    make_reviewer(session, "new.two@example.org")
    assert assignments.retry_unassigned(session, TODAY) == 1
    assert session.scalar(select(ReviewShortfall)) is None
    assert len(assigned(session, world.submission)) == 2
    assert world.enrollment_set.status == "in_review"


def test_reviewers_at_capacity_are_passed_over(session):
    world = make_world(session, reviewers=0)
    full = make_reviewer(session, "full@example.org", capacity=1)
    other = make_world_submission_for(session, world)
    assignments.assign_for_submission(session, other, TODAY)
    assert [a.reviewer_id for a in assigned(session, other)] == [full.id]
    assignments.assign_for_submission(session, world.submission, TODAY)
    assert assigned(session, world.submission) == []
    row = session.scalar(
        select(ReviewShortfall).where(ReviewShortfall.submission_id == world.submission.id)
    )
    assert "1 qualified reviewer is at capacity" in row.reasons["reasons"]


def test_declining_reassigns_at_once_to_someone_else(session):
    world = make_world(session, reviewers=3)
    assignments.assign_for_submission(session, world.submission, TODAY)
    first = assigned(session, world.submission)[0]
    assignments.decline(
        session, first, reviewer=first.reviewer, reason="I know this person", today=TODAY
    )
    rows = assigned(session, world.submission)
    assert first.status is AssignmentStatus.DECLINED and first.closed_reason == "I know this person"
    open_ = [a for a in rows if a.status is AssignmentStatus.ASSIGNED]
    assert len(open_) == 2 and first.reviewer_id not in {a.reviewer_id for a in open_}


def test_resubmission_goes_back_to_the_previous_reviewers_where_available(session):
    world = make_world(session, reviewers=4)
    assignments.assign_for_submission(session, world.submission, TODAY)
    first_pair = {a.reviewer_id for a in assigned(session, world.submission)}
    for a in assigned(session, world.submission):
        a.status = AssignmentStatus.SUBMITTED
    world.submission.status = SubmissionStatus.NOT_YET_MET
    world.enrollment_set.status = SetLifecycle.RESUBMITTED
    from tests.review_fixtures import make_submission

    second = make_submission(session, world.enrollment_set, attempt=2)
    assignments.assign_for_submission(session, second, TODAY)
    assert {a.reviewer_id for a in assigned(session, second)} == first_pair


def test_a_new_enrollment_prefers_fresh_eyes_over_earlier_reviewers(session):
    world = make_world(session, reviewers=4)
    assignments.assign_for_submission(session, world.submission, TODAY)
    earlier = {a.reviewer_id for a in assigned(session, world.submission)}
    for a in assigned(session, world.submission):
        a.status = AssignmentStatus.SUBMITTED
    # The same candidate's same set under another enrollment (first attempt there).
    from portfolio.models import Application, Enrollment, EnrollmentSet, Route
    from tests.review_fixtures import make_submission

    application = Application(user_id=world.candidate.id, framework_id=world.framework.id)
    session.add(application)
    session.flush()
    enrollment = Enrollment(
        user_id=world.candidate.id,
        framework_id=world.framework.id,
        application_id=application.id,
        enrolled_on=TODAY,
        window_ends_on=TODAY + timedelta(days=1000),
    )
    enrollment_set = EnrollmentSet(
        enrollment=enrollment,
        set_id=world.core.id,
        route=Route.PORTFOLIO,
        status=SetLifecycle.SUBMITTED,
    )
    session.add_all([enrollment, enrollment_set])
    session.flush()
    fresh = make_submission(session, enrollment_set)
    assignments.assign_for_submission(session, fresh, TODAY)
    assert {a.reviewer_id for a in assigned(session, fresh)}.isdisjoint(earlier)


def test_an_assigned_reviewer_may_fetch_the_files_of_their_snapshot_only(session):
    from portfolio.models import Upload, UploadStatus
    from portfolio.models.base import utcnow
    from portfolio.services.uploads.access import reviewer_may_download

    world = make_world(session, reviewers=3)
    assignments.assign_for_submission(session, world.submission, TODAY)
    a, b = assigned(session, world.submission)
    outsider = next(r for r in world.reviewers if r.id not in {a.reviewer_id, b.reviewer_id})

    def upload(key):
        row = Upload(
            owner_id=world.candidate.id,
            key=key,
            original_name="x.pdf",
            declared_size=10,
            declared_sha256="0" * 64,
            status=UploadStatus.VERIFIED,
            expires_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return row

    named, other = upload("c/1/C1"), upload("c/1/elsewhere")
    assert reviewer_may_download(session, a.reviewer, named)
    assert not reviewer_may_download(session, a.reviewer, other)
    assert not reviewer_may_download(session, outsider, named)
    assignments.decline(session, a, reviewer=a.reviewer, reason="Busy this month", today=TODAY)
    assert not reviewer_may_download(session, a.reviewer, named)
