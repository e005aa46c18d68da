"""Calibration: anchors marked by administrators, scored by new reviewers before real work."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portfolio.domain.lifecycle import SetLifecycle
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    AuditEvent,
    CalibrationAnchor,
    EnrollmentSet,
    ReviewerProfile,
    ReviewRating,
    Role,
    Route,
    User,
)
from portfolio.models.base import utcnow
from portfolio.services.reviewing import assignments, calibration
from portfolio.web import clock
from tests.helpers import csrf_token, login_as, make_user, post_form
from tests.review_fixtures import make_candidate, make_reviewer, make_submission, make_world

AGREED = {"C1": "met", "C2": "partially_met", "C3": "not_met"}


def _admin(session, client):
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    return admin


def _start(client):
    """Press "Start calibration"; the URL of the exercise it made."""
    response = post_form(client, "/review/calibration", {})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _anchor_url(world):
    return f"/admin/reviews/submissions/{world.submission.id}/anchor"


def _anchored_world(session):
    world = make_world(session, reviewers=0)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    calibration.mark_anchor(session, world.submission, actor=admin, agreed=AGREED)
    return world


def _new_submission(session, world):
    _candidate, enrollment = make_candidate(
        session, world.framework, email="new@example.org", library="Elsewhere Library"
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


def test_an_administrator_marks_an_anchor_with_agreed_ratings(client, session):
    world = make_world(session, reviewers=0)
    _admin(session, client)
    data = {f"rating-{code}": level for code, level in AGREED.items()}
    response = post_form(client, _anchor_url(world), data, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This submission is a calibration anchor." in page and "Partially met" in page
    anchor = session.scalar(select(CalibrationAnchor))
    assert anchor.agreed_ratings == AGREED
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "calibration.anchor_marked")
    )


def test_a_submission_is_an_anchor_only_once(client, session):
    world = make_world(session, reviewers=0)
    _admin(session, client)
    token = csrf_token(client, _anchor_url(world))
    data = {"csrf_token": token, **{f"rating-{c}": v for c, v in AGREED.items()}}
    assert client.post(_anchor_url(world), data=data).status_code == 302
    again = {**data, "rating-C1": "not_met"}
    response = client.post(_anchor_url(world), data=again)
    assert response.status_code == 409
    assert "already a calibration anchor" in response.get_data(as_text=True)
    assert session.scalar(select(CalibrationAnchor)).agreed_ratings == AGREED


def test_an_anchor_missing_a_rating_is_refused(client, session):
    world = make_world(session, reviewers=0)
    _admin(session, client)
    response = post_form(client, _anchor_url(world), {"rating-C1": "met", "rating-C2": "met"})
    assert response.status_code == 422
    assert "Give the agreed rating." in response.get_data(as_text=True)
    assert session.scalar(select(CalibrationAnchor)) is None


def test_an_anchor_with_a_level_not_in_the_rubric_is_refused(client, session):
    world = make_world(session, reviewers=0)
    _admin(session, client)
    data = {"rating-C1": "met", "rating-C2": "excellent", "rating-C3": "met"}
    response = post_form(client, _anchor_url(world), data)
    assert response.status_code == 422
    assert "must be one of: met, partially_met, not_met" in response.get_data(as_text=True)
    assert session.scalar(select(CalibrationAnchor)) is None


def test_an_anchor_naming_a_competency_of_another_set_is_refused(client, session):
    world = make_world(session, reviewers=0)
    _admin(session, client)
    data = {**{f"rating-{c}": v for c, v in AGREED.items()}, "rating-O1": "met"}
    response = post_form(client, _anchor_url(world), data)
    assert response.status_code == 422
    assert "O1 is not a competency of this set." in response.get_data(as_text=True)


def test_a_reviewer_cannot_mark_anchors(client, session):
    world = make_world(session, reviewers=1)
    session.commit()
    login_as(client, world.reviewers[0])
    assert client.get(_anchor_url(world)).status_code == 403


def test_uncalibrated_reviewers_wait_for_real_work_only_where_an_anchor_exists(session):
    world = _anchored_world(session)
    fresh = make_reviewer(session, "fresh@example.org")
    seasoned = make_reviewer(session, "seasoned@example.org")
    other = make_reviewer(session, "other@example.org")
    for user in (seasoned, other):
        profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == user.id))
        profile.calibrated_at = utcnow()
    session.flush()
    submission = _new_submission(session, world)
    assignments.assign_for_submission(session, submission, clock.today())
    chosen = set(
        session.scalars(
            select(Assignment.reviewer_id).where(Assignment.submission_id == submission.id)
        )
    )
    assert chosen == {seasoned.id, other.id}
    assert fresh.id not in chosen


def test_a_new_reviewer_scores_the_anchor_and_sees_how_they_compare(client, session):
    world = _anchored_world(session)
    fresh = make_reviewer(session, "fresh@example.org")
    session.commit()
    login_as(client, fresh)
    page = client.get("/review/calibration").get_data(as_text=True)
    assert "Start calibration" in page
    # Opening the page made nothing; the button does.
    assert session.scalar(select(Assignment).where(Assignment.reviewer_id == fresh.id)) is None
    url = _start(client)
    assert client.get("/review/calibration").headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "I catalogued <strong>two hundred</strong> donated books." in page
    exercise = session.scalar(select(Assignment).where(Assignment.reviewer_id == fresh.id))
    assert exercise.kind is AssignmentKind.CALIBRATION
    assert exercise.due_on == clock.today() + timedelta(days=21)
    ids = {c.code: c.id for c in world.competencies}
    data = {
        f"rating-{ids['C1']}": "met",
        f"rating-{ids['C2']}": "met",
        f"rating-{ids['C3']}": "not_met",
    }
    response = post_form(client, url, data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You matched 2 of 3 competencies (67%)." in page
    assert page.count("<td>Match</td>") == 2 and page.count("<td>Differs</td>") == 1
    session.expire_all()
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == fresh.id))
    assert profile.calibrated_at is not None
    assert exercise.status is AssignmentStatus.SUBMITTED
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "calibration.submitted"))
    # Calibrated, they now take real reviews.
    submission = _new_submission(session, world)
    assignments.assign_for_submission(session, submission, clock.today())
    assert fresh.id in set(
        session.scalars(
            select(Assignment.reviewer_id).where(Assignment.submission_id == submission.id)
        )
    )


def test_a_calibration_missing_a_rating_is_refused(client, session):
    world = _anchored_world(session)
    fresh = make_reviewer(session, "fresh@example.org")
    session.commit()
    login_as(client, fresh)
    url = _start(client)
    first = world.competencies[0].id
    response = post_form(client, url, {f"rating-{first}": "met"})
    assert response.status_code == 422
    assert "Rate C2." in response.get_data(as_text=True)
    session.expire_all()
    profile = session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == fresh.id))
    assert profile.calibrated_at is None


def test_a_calibration_submitted_twice_is_a_conflict(client, session):
    world = _anchored_world(session)
    fresh = make_reviewer(session, "fresh@example.org")
    session.commit()
    login_as(client, fresh)
    url = _start(client)
    token = csrf_token(client, url)
    data = {"csrf_token": token, **{f"rating-{c.id}": "met" for c in world.competencies}}
    assert client.post(url, data=data).status_code == 302
    again = {"csrf_token": token, **{f"rating-{c.id}": "not_met" for c in world.competencies}}
    response = client.post(url, data=again)
    assert response.status_code == 409
    assert "already submitted this calibration" in response.get_data(as_text=True)
    levels = session.scalars(
        select(ReviewRating.level).join(Assignment).where(Assignment.reviewer_id == fresh.id)
    ).all()
    assert levels == ["met"] * 3


def test_a_reviewer_cannot_open_another_reviewers_calibration(client, session):
    _anchored_world(session)
    fresh = make_reviewer(session, "fresh@example.org")
    nosy = make_reviewer(session, "nosy@example.org")
    session.commit()
    login_as(client, fresh)
    url = _start(client)
    login_as(client, nosy)
    assert client.get(url).status_code == 404


def test_a_reviewer_with_nothing_to_calibrate_is_told_so(client, session):
    world = make_world(session, reviewers=1)
    session.commit()
    login_as(client, world.reviewers[0])
    response = client.get("/review/calibration")
    assert response.status_code == 200
    assert "You have no calibration exercise to do." in response.get_data(as_text=True)


def test_a_reviewer_in_conflict_with_the_anchors_candidate_never_sees_it(client, session):
    """An anchor is a real person's evidence: a colleague at their library gets no exercise."""
    from tests.review_fixtures import CANDIDATE_LIBRARY

    _anchored_world(session)
    colleague = make_reviewer(session, "colleague@example.org", library=CANDIDATE_LIBRARY)
    session.commit()
    login_as(client, colleague)
    response = client.get("/review/calibration")
    assert response.status_code == 200
    assert "You have no calibration exercise to do." in response.get_data(as_text=True)
    assert "Start calibration" not in response.get_data(as_text=True)
    response = post_form(client, "/review/calibration", {}, page="/review/")
    assert "You have no calibration exercise to do." in response.get_data(as_text=True)
    assert session.scalar(select(Assignment).where(Assignment.reviewer_id == colleague.id)) is None


def test_the_unassigned_queue_says_when_reviewers_wait_for_their_calibration(client, session):
    world = _anchored_world(session)
    make_reviewer(session, "fresh@example.org")
    make_reviewer(session, "newer@example.org")
    submission = _new_submission(session, world)
    assignments.assign_for_submission(session, submission, clock.today())
    admin = session.scalar(select(User).where(User.email == "admin@example.org"))
    session.commit()
    login_as(client, admin)
    page = client.get("/admin/reviews/unassigned").get_data(as_text=True)
    assert "2 qualified reviewers have not yet scored a calibration exercise" in page
    assert "not qualified" not in page


def test_a_reviewer_cannot_score_another_reviewers_calibration(client, session):
    _anchored_world(session)
    fresh = make_reviewer(session, "fresh@example.org")
    nosy = make_reviewer(session, "nosy@example.org")
    session.commit()
    login_as(client, fresh)
    url = _start(client)
    login_as(client, nosy)
    token = csrf_token(client, "/review/")
    response = client.post(url, data={"csrf_token": token, **dict.fromkeys(AGREED, "met")})
    assert response.status_code == 404
    assert (
        session.scalar(
            select(ReviewerProfile).where(ReviewerProfile.user_id == fresh.id)
        ).calibrated_at
        is None
    )


def test_saving_a_new_reviewers_qualifications_assigns_their_calibration(client, session):
    """The administrator's save makes the exercise (audited as theirs), not a page view."""
    world = _anchored_world(session)
    fresh = make_reviewer(session, "fresh@example.org", sets=())
    admin = session.scalar(select(User).where(User.email == "admin@example.org"))
    session.commit()
    login_as(client, admin)
    url = f"/admin/reviews/reviewers/{fresh.id}"
    data = {
        "capacity": "3",
        "library": "Elsewhere Library",
        "active": "y",
        "qualifications": f"{world.framework.slug}:{world.core.code}",
    }
    assert post_form(client, url, data).status_code == 302
    exercise = session.scalar(select(Assignment).where(Assignment.reviewer_id == fresh.id))
    assert exercise.kind is AssignmentKind.CALIBRATION
    assert exercise.submission_id == world.submission.id
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "calibration.assigned"))
    assert event.actor_id == admin.id
    # Saving again makes no second one.
    assert post_form(client, url, data).status_code == 302
    assert (
        len(session.scalars(select(Assignment).where(Assignment.reviewer_id == fresh.id)).all())
        == 1
    )
    login_as(client, fresh)
    page = client.get("/review/calibration", follow_redirects=True).get_data(as_text=True)
    assert "I catalogued <strong>two hundred</strong> donated books." in page


# Run in a fresh interpreter, so that nothing another test imported can hide an import.
CALIBRATION_IN_A_FRESH_PROCESS = """
import sys, tempfile
from pathlib import Path
from portfolio import create_app
from portfolio.extensions import db
from portfolio.models import Base, Role
from portfolio.services.reviewing import calibration
from tests.helpers import login_as, make_user, post_form
from tests.review_fixtures import make_reviewer, make_world

folder = Path(tempfile.mkdtemp())
app = create_app({
    "ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "x", "MAIL_SUPPRESS_SEND": True,
    "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "PUBLIC_BASE_URL": "http://localhost",
    "OBJECT_STORE_URL": f"file://{folder / 'objects'}", "RATELIMIT_STORAGE_URI": "memory://",
})
with app.app_context():
    Base.metadata.create_all(db.engine)
    session = db.session
    world = make_world(session, reviewers=0)
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    calibration.mark_anchor(session, world.submission, actor=admin, agreed=%(agreed)r)
    fresh = make_reviewer(session, "fresh@example.org")
    session.commit()
    ids = {c.code: c.id for c in world.competencies}
client = app.test_client()
login_as(client, fresh)
url = post_form(client, "/review/calibration", {}).headers["Location"]
ratings = {"C1": "met", "C2": "met", "C3": "not_met"}
data = {f"rating-{ids[code]}": level for code, level in ratings.items()}
page = post_form(client, url, data, follow_redirects=True).get_data(as_text=True)
print("Weighted kappa: 0.67" in page)
print(sorted(m for m in ("sklearn", "krippendorff", "numpy", "scipy") if m in sys.modules))
"""


@pytest.mark.database_independent  # the fresh process makes its own SQLite database
def test_serving_calibration_loads_no_numerical_library():
    code = CALIBRATION_IN_A_FRESH_PROCESS % {"agreed": AGREED}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    # Given M M N against the agreed M P N: observed linear disagreement 1/3, chance 1, so
    # kappa is 1 - (1/3) / 1 = 2/3; the page shows it, and none of the libraries was loaded.
    assert out.stdout.split("\n")[:2] == ["True", "[]"]


def test_marking_an_anchor_shows_the_evidence_to_agree_on(client, session):
    world = make_world(session, reviewers=0)
    _admin(session, client)
    page = client.get(_anchor_url(world)).get_data(as_text=True)
    evidence = page.split('id="evidence"')[1]
    assert "I catalogued <strong>two hundred</strong> donated books." in evidence
