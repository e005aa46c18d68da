"""One page per person for administrators: applications, enrollments with each set and its
latest submission, certificates and decisions, reviews given, and history; the same number of
queries however much there is; linked from the lists that name people."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portfolio.domain.certification.evaluation import Route
from portfolio.models import Certificate, EnrollmentSet, Role
from portfolio.services.reviewing import assignments
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.integration.test_certificate_admin import certify
from tests.integration.test_course_checks import text_of
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_framework, make_reviewer, make_submission, make_world


def admin_client(client, session):
    admin = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    login_as(client, admin)
    return admin


def test_a_candidates_page_shows_their_path_and_links_on(client, session):
    world = make_world(session)
    assignments.assign_for_submission(session, world.submission, clock.today())
    admin_client(client, session)
    session.commit()
    html = client.get(f"/admin/people/{world.candidate.id}").get_data(as_text=True)
    page = text_of(client.get(f"/admin/people/{world.candidate.id}"))
    assert world.candidate.name in page and world.candidate.email in page
    assert f"{world.core.code} {world.core.name}" in page
    assert f'href="/admin/reviews/submissions/{world.submission.id}"' in html
    assert "Submission 1 of" in page
    reviewer = world.reviewers[0]
    reviewer_page = text_of(client.get(f"/admin/people/{reviewer.id}"))
    assert "Reviews given" in reviewer_page
    assert f"{world.candidate.name}: {world.core.code}" in reviewer_page


def test_each_set_shows_its_latest_submission_and_dropped_sets_stay_out(client, session):
    world = make_world(session)
    second = make_submission(session, world.enrollment_set, attempt=2)
    # An elective swapped out after it closed as not met stays on record, off the page.
    session.add(
        EnrollmentSet(
            enrollment=world.enrollment,
            set_id=world.other.id,
            route=Route.PORTFOLIO,
            dropped_on=clock.today() - timedelta(days=3),
        )
    )
    admin_client(client, session)
    session.commit()
    response = client.get(f"/admin/people/{world.candidate.id}")
    html, page = response.get_data(as_text=True), text_of(response)
    assert "Roles: Candidate." in page
    assert "Submission 2 of" in page and "Submission 1 of" not in page
    assert f'href="/admin/reviews/submissions/{second.id}"' in html
    assert f'href="/admin/reviews/submissions/{world.submission.id}"' not in html
    assert f"{world.core.code} {world.core.name}" in page
    assert f"{world.other.code} {world.other.name}" not in page


def test_a_reviewers_roles_and_qualifications_in_order(client, session):
    framework = make_framework(session)
    reviewer = make_reviewer(
        session,
        "rita@example.org",
        name="Rita Reviewer",
        sets=("OTHER", "CORE"),
        roles=(Role.REVIEWER, Role.ADMINISTRATOR),
        capacity=4,
    )
    newcomer = make_reviewer(session, "nora@example.org", name="Nora New", sets=(), roles=())
    admin_client(client, session)
    session.commit()
    page = text_of(client.get(f"/admin/people/{reviewer.id}"))
    assert "Roles: Administrator, Reviewer." in page
    slug = framework.slug.upper()
    assert f"takes new reviews, up to 4 at a time; qualified for {slug} OTHER, {slug} CORE." in page
    page = text_of(client.get(f"/admin/people/{newcomer.id}"))
    assert "Roles: none." in page
    assert "qualified for no set yet." in page


def test_the_page_costs_the_same_queries_for_a_long_history(app, client, session):
    framework = make_framework(session)
    admin = admin_client(client, session)
    certificate = certify(session, framework, admin, email="h@example.org", name="Holder One")
    session.commit()
    url = f"/admin/people/{certificate.user_id}"
    with counting(app) as few:
        assert "Holder One" in text_of(client.get(url))
    for n in range(6):  # more people, more certificates and decisions elsewhere
        certify(session, framework, admin, email=f"h{n}@example.org", name=f"Holder {n}")
    session.commit()
    with counting(app) as many:
        page = text_of(client.get(url))
    assert certificate.number in page
    assert len(many) == len(few)


def test_lists_link_to_the_person(client, session):
    framework = make_framework(session)
    admin = admin_client(client, session)
    certify(session, framework, admin, email="h@example.org", name="Holder One")
    session.commit()
    holder_id = session.scalar(select(Certificate.user_id))
    for url in ("/admin/certificates", "/admin/decisions", "/admin/users"):
        assert f'href="/admin/people/{holder_id}"' in client.get(url).get_data(as_text=True), url


def test_unknown_people_and_non_administrators(client, session):
    admin_client(client, session)
    session.commit()
    assert client.get("/admin/people/999999").status_code == 404
    assert client.get("/admin/people/99999999999999").status_code == 404
    login_as(client, make_user(session, "r@example.org", roles=(Role.REVIEWER,)))
    assert client.get("/admin/people/1").status_code == 403
