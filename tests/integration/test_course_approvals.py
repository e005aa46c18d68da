"""Course approval end to end: a provider registers, applies for a course with a complete
competency map, the office asks a conflict-free course evaluator, who judges it against the
rubric, and the office approves it (4 years, $100 owed) or returns it with a reason; renewal
adds another term. Every step is audited and the provider is emailed after the commit.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from portfolio.domain.dates import add_years, format_date
from portfolio.models import (
    AuditEvent,
    CourseFee,
    CourseFeeKind,
    CourseFeePurpose,
    CourseVersion,
    CourseVersionStatus,
    OutboxMessage,
    Provider,
    ProviderMember,
    Role,
)
from portfolio.services.courses import applications, decisions, evaluations, providers
from portfolio.services.uploads.access import can_download
from portfolio.web import clock
from tests.course_fixtures import (
    complete_draft,
    course_framework,
    make_admin,
    make_provider,
)
from tests.helpers import login_as, make_user, post_form
from tests.integration.test_review_queries import counting
from tests.portfolio_fixtures import make_upload
from tests.review_fixtures import make_reviewer

TODAY = clock.today()
RATINGS = {
    "rating-coverage": "meets",
    "rating-readings": "meets",
    "rating-instruction": "partially_meets",
    "rating-assessment": "meets",
    "rating-instructors": "meets",
}


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(page))


def actions(session, version_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "course_version")
            .where(AuditEvent.object_id == str(version_id))
            .order_by(AuditEvent.id)
        )
    )


def test_an_organisation_registers_and_its_registrant_acts_for_it(client, session):
    user = make_user(session, "lee@example.org", name="Lee Registrar")
    session.commit()  # the setup stays when a request rolls back
    login_as(client, user)
    response = post_form(
        client,
        "/provider/register",
        {
            "name": "Valley Community College",
            "kind": "community_college",
            "website": "https://valley.example.edu/",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Valley Community College is registered" in text_of(response)
    provider = session.scalars(select(Provider)).one()
    assert provider.slug == "valley-community-college"
    assert session.scalars(select(ProviderMember.user_id)).all() == [user.id]
    session.refresh(user)
    assert user.has_role(Role.PROVIDER)
    assert client.get("/providers/valley-community-college").status_code == 200


def test_registering_with_bad_details_names_each_problem(client, session):
    session.commit()  # the setup stays when a request rolls back
    login_as(client, make_user(session, "lee@example.org"))
    response = post_form(
        client, "/provider/register", {"name": " ", "kind": "castle", "website": "ftp://x"}
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "Enter the organisation's name." in page
    assert "Choose what kind of organisation it is." in page
    assert "starting with https://" in page
    assert session.scalars(select(Provider)).all() == []


def test_the_provider_applies_and_the_office_approves(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    admin = make_admin(session)
    evaluator = make_reviewer(session, "eve@example.org", name="Eve Evaluator")
    core = next(s for s in framework.sets if s.code == "CORE")

    session.commit()  # the setup stays when a request rolls back
    login_as(client, member)
    started = post_form(
        client,
        f"/provider/{provider.id}/courses",
        {"set_id": core.id, "title": "Cataloguing Essentials"},
        page=f"/provider/{provider.id}/courses/new",
    )
    assert started.status_code == 302
    version = session.scalars(select(CourseVersion)).one()
    url = f"/provider/courses/{version.id}"
    syllabus = make_upload(session, member, name="syllabus.pdf")
    resumes = make_upload(session, member, name="resumes.pdf")
    form = {
        "title": "Cataloguing Essentials",
        "description": "Six weeks of practice.",
        "format": "hybrid",
        "synchronous": "y",
        "instructional_methods": "Readings and guided practice.",
        "assessment_methods": "A quiz per competency.",
        "syllabus_upload_id": str(syllabus.id),
        "resumes_upload_id": str(resumes.id),
    }
    for c in core.competencies:
        form |= {
            f"map-{c.id}-readings": f"Chapter on {c.code}",
            f"map-{c.id}-assignments": "",
            f"map-{c.id}-assessments": f"Quiz {c.code}",
        }
    saved = post_form(client, url, form, follow_redirects=True)
    assert saved.status_code == 200
    assert "The draft is saved." in text_of(saved)
    submitted = post_form(client, f"{url}/submit", {}, page=url, follow_redirects=True)
    assert submitted.status_code == 200
    assert "submitted for approval" in text_of(submitted)
    session.refresh(version)
    assert version.status is CourseVersionStatus.SUBMITTED
    assert version.syllabus_upload_id == syllabus.id
    fee = session.scalars(select(CourseFee)).one()
    assert (fee.kind, fee.purpose, fee.amount_cents) == (
        CourseFeeKind.CHARGE,
        CourseFeePurpose.APPROVAL,
        10000,
    )
    assert "Fees owed: $100" in text_of(client.get("/provider/"))

    login_as(client, admin)
    review_url = f"/admin/course-approvals/{version.id}"
    assert "Cataloguing Essentials" in text_of(client.get("/admin/course-approvals"))
    too_soon = post_form(
        client, f"{review_url}/approve", {"version": version.version}, page=review_url
    )
    assert too_soon.status_code == 409
    assert "0 of 1 evaluations are in" in text_of(too_soon)
    assert "Ask an evaluator" in text_of(too_soon)  # the course's page again, with the reason
    waiting_page = text_of(client.get(review_url))
    assert "Approve the course" not in waiting_page  # not offered before the evaluations
    assert "It can be approved once its evaluations are in" in waiting_page
    asked = post_form(
        client, f"{review_url}/evaluators", {"evaluator_id": evaluator.id}, page=review_url
    )
    assert asked.status_code == 302

    login_as(client, evaluator)
    evaluation_url = f"/review/course-evaluations/{version.id}"
    assert "syllabus.pdf" in text_of(client.get(evaluation_url))
    # The evaluator may read the application's files; a reviewer not asked may not.
    assert can_download(session, evaluator, syllabus)
    assert not can_download(session, make_reviewer(session, "other@example.org"), syllabus)
    sent = post_form(client, evaluation_url, {**RATINGS, "comment": "Covers the set well."})
    assert sent.status_code == 302

    login_as(client, admin)
    session.refresh(version)
    approved = post_form(
        client,
        f"{review_url}/approve",
        {"version": version.version},
        page=review_url,
        follow_redirects=True,
    )
    assert approved.status_code == 200
    session.refresh(version)
    assert version.status is CourseVersionStatus.APPROVED
    assert version.approved_on == TODAY
    assert version.approved_until == add_years(TODAY, 4)
    assert f"Approved {format_date(TODAY)} until {format_date(add_years(TODAY, 4))}" in text_of(
        approved
    )
    assert "needed before approval" not in text_of(approved)  # said only while it waits
    assert actions(session, version.id) == [
        "course_version.created",
        "course_version.submitted",
        "course_evaluation.assigned",
        "course_evaluation.submitted",
        "course_version.approved",
    ]
    subjects = list(session.scalars(select(OutboxMessage.subject)))
    assert "Course approved: Cataloguing Essentials" in subjects
    assert "A course to evaluate: Cataloguing Essentials" in subjects

    client.get("/auth/logout")
    public = client.get(f"/providers/{provider.slug}")
    assert public.status_code == 200
    assert "Cataloguing Essentials" in text_of(public)
    assert "hybrid, synchronous" in text_of(public)


def test_a_course_that_leaves_a_competency_unmapped_cannot_be_submitted(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = complete_draft(session, provider, member, framework, leave_out=("C2",))
    session.commit()  # the setup stays when a request rolls back
    login_as(client, member)
    url = f"/provider/courses/{version.id}"
    response = post_form(client, f"{url}/submit", {}, page=url)
    assert response.status_code == 422
    assert (
        "The course must cover every competency of CORE: for C2, give readings or assignments "
        "and an assessment in the competency map."
    ) in text_of(response)
    session.refresh(version)
    assert version.status is CourseVersionStatus.DRAFT
    assert session.scalars(select(CourseFee)).all() == []


def test_an_approved_course_is_never_edited_in_place(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = approved_course(session, framework, provider, member)
    session.commit()  # the setup stays when a request rolls back
    login_as(client, member)
    url = f"/provider/courses/{version.id}"
    response = post_form(
        client,
        url,
        {"title": "Renamed", "format": "online", "instructional_methods": "x"},
    )
    assert response.status_code == 409
    assert "never changed in place. Make a new version" in text_of(response)
    session.refresh(version)
    assert version.title == "Cataloguing Essentials"

    made = post_form(client, f"{url}/new-version", {}, page=url)
    assert made.status_code == 302
    draft = session.scalars(select(CourseVersion).where(CourseVersion.number == 2)).one()
    assert draft.status is CourseVersionStatus.DRAFT
    assert len(draft.competency_map) == len(version.competency_map)
    edited = post_form(
        client,
        f"/provider/courses/{draft.id}",
        {"title": "Cataloguing Essentials, second edition", "format": "online"},
        page=f"/provider/courses/{draft.id}",
    )
    assert edited.status_code == 302
    session.refresh(version)
    assert version.title == "Cataloguing Essentials"
    assert version.status is CourseVersionStatus.APPROVED


def test_another_providers_course_is_not_found(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = complete_draft(session, provider, member, framework)
    _other, stranger = make_provider(
        session, name="Elsewhere Institute", email="sam@example.org", member_name="Sam"
    )
    session.commit()  # the setup stays when a request rolls back
    login_as(client, stranger)
    url = f"/provider/courses/{version.id}"
    assert client.get(url).status_code == 404
    token_page = "/provider/"
    for path in (url, f"{url}/submit", f"{url}/new-version", f"{url}/renewal"):
        response = post_form(
            client, path, {"title": "Mine now", "format": "online"}, page=token_page
        )
        assert response.status_code == 404, path
    assert client.get(f"/provider/{provider.id}/courses/new").status_code == 404
    session.refresh(version)
    assert (version.title, version.status) == ("Cataloguing Essentials", CourseVersionStatus.DRAFT)


def test_an_evaluator_with_a_conflict_is_refused(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = submitted_course(session, framework, provider, member)
    colleague = make_reviewer(
        session, "col@example.org", name="Cole", library="prairie library school"
    )
    admin = make_admin(session)
    session.commit()  # the setup stays when a request rolls back
    login_as(client, admin)
    url = f"/admin/course-approvals/{version.id}"
    page = text_of(client.get(url))
    assert "Cole: They work at Prairie Library School, the course's provider" in page
    response = post_form(client, f"{url}/evaluators", {"evaluator_id": colleague.id}, page=url)
    assert response.status_code == 409
    assert "Cole cannot evaluate this course. They work at Prairie Library School" in text_of(
        response
    )
    assert version.evaluations == []
    assert "course_evaluation.assigned" not in actions(session, version.id)


def test_a_reviewer_acting_for_the_provider_is_refused(session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = submitted_course(session, framework, provider, member)
    insider = make_reviewer(session, "in@example.org", name="Ina", library="Somewhere Else")
    providers.add_member(session, provider, insider, actor=make_admin(session))
    choice = next(c for c in evaluations.evaluator_choices(session, version) if c.name == "Ina")
    assert choice.conflict == "They act for this provider, so they cannot evaluate its course."


def test_returning_a_course_needs_a_reason(client, session, mailbox):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = submitted_course(session, framework, provider, member)
    session.commit()  # the setup stays when a request rolls back
    login_as(client, make_admin(session))
    url = f"/admin/course-approvals/{version.id}"
    response = post_form(
        client, f"{url}/return", {"reason": "  ", "version": version.version}, page=url
    )
    assert response.status_code == 422
    assert "Give a reason." in text_of(response)
    session.refresh(version)
    assert version.status is CourseVersionStatus.SUBMITTED

    returned = post_form(
        client,
        f"{url}/return",
        {"reason": "The assessments do not test C3.", "version": version.version},
        page=url,
    )
    assert returned.status_code == 302
    session.refresh(version)
    assert version.status is CourseVersionStatus.RETURNED
    assert version.returned_reason == "The assessments do not test C3."
    mail = [m for m in mailbox.to(member.email) if m["Subject"].startswith("Course returned")]
    assert mail and "The assessments do not test C3." in mailbox.body(mail[0])
    login_as(client, member)
    assert "The assessments do not test C3." in text_of(
        client.get(f"/provider/courses/{version.id}")
    )


def test_renewal_owes_the_fee_and_adds_another_term(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = approved_course(session, framework, provider, member)
    first_end = version.approved_until
    session.commit()  # the setup stays when a request rolls back
    login_as(client, member)
    url = f"/provider/courses/{version.id}"
    assert post_form(client, f"{url}/renewal", {}, page=url).status_code == 302
    again = post_form(client, f"{url}/renewal", {}, page=url)
    assert again.status_code == 409
    renewal = session.scalars(
        select(CourseFee).where(CourseFee.purpose == CourseFeePurpose.RENEWAL)
    ).one()
    assert renewal.amount_cents == 10000
    login_as(client, make_admin(session, "second@example.org"))
    review_url = f"/admin/course-approvals/{version.id}"
    session.refresh(version)
    renewed = post_form(
        client, f"{review_url}/renew", {"version": version.version}, page=review_url
    )
    assert renewed.status_code == 302
    session.refresh(version)
    assert version.approved_until == add_years(first_end, 4)
    assert version.renewal_requested_at is None


def test_an_ended_approval_cannot_be_renewed_and_the_page_says_how_to_offer_it_again(
    client, session
):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = approved_course(session, framework, provider, member)
    version.approved_on = add_years(TODAY, -4) - timedelta(days=1)
    version.approved_until = TODAY - timedelta(days=1)
    session.commit()  # the setup stays when a request rolls back
    login_as(client, member)
    url = f"/provider/courses/{version.id}"
    page = text_of(client.get(url))
    assert "can no longer be renewed" in page
    assert "Ask for renewal" not in page

    refused = post_form(client, f"{url}/renewal", {}, page=url)
    assert refused.status_code == 409
    assert (
        f"ended on {format_date(TODAY - timedelta(days=1))}, so it can no longer be renewed"
        in text_of(refused)
    )
    session.refresh(version)
    assert version.renewal_requested_at is None
    assert session.scalars(
        select(CourseFee).where(CourseFee.purpose == CourseFeePurpose.RENEWAL)
    ).all() == []


def test_a_renewal_asked_for_in_time_continues_the_term_even_when_granted_after_it_ended(
    client, session
):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = approved_course(session, framework, provider, member)
    applications.request_renewal(session, version, actor=member, today=TODAY)
    last_day = TODAY - timedelta(days=3)
    version.approved_on = add_years(last_day, -4)
    version.approved_until = last_day  # the office decides three days after the term ran out
    session.commit()
    login_as(client, make_admin(session, "second@example.org"))
    review_url = f"/admin/course-approvals/{version.id}"
    renewed = post_form(
        client, f"{review_url}/renew", {"version": version.version}, page=review_url
    )
    assert renewed.status_code == 302
    session.refresh(version)
    assert version.approved_until == add_years(last_day, 4)


def test_the_office_gives_back_and_waives_course_fees_with_a_reason(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = submitted_course(session, framework, provider, member)
    admin = make_admin(session)
    session.commit()  # the setup stays when a request rolls back
    login_as(client, admin)
    url = f"/admin/course-approvals/{version.id}"
    paid = post_form(client, f"{url}/payments", {"purpose": "approval"}, page=url)
    assert paid.status_code == 302
    page = text_of(client.get(url))
    assert "Give back some or all of the approval fee paid ($100)" in page
    assert "Waive some or all" not in page  # nothing is owed

    refund = {"purpose": "approval", "amount": "120", "reference": "Check 77", "reason": ""}
    too_much = post_form(client, f"{url}/refunds", refund | {"reason": "Paid twice."}, page=url)
    assert too_much.status_code == 422
    html_page = too_much.get_data(as_text=True)
    assert "A refund cannot be more than what was paid for the approval and not yet given back" in (
        text_of(too_much)
    )
    assert 'id="refund-amount-approval" name="amount" value="120"' in html_page  # kept as typed
    assert "Paid twice." in html_page
    unexplained = post_form(client, f"{url}/refunds", refund | {"amount": "40"}, page=url)
    assert unexplained.status_code == 422
    assert "Give a reason." in text_of(unexplained)
    not_money = post_form(client, f"{url}/refunds", refund | {"amount": "forty"}, page=url)
    assert not_money.status_code == 422
    assert "Enter an amount in dollars, such as 350.00." in text_of(not_money)
    unknown = post_form(client, f"{url}/refunds", refund | {"purpose": "gift"}, page=url)
    assert unknown.status_code == 422
    assert "Choose which fee this is for." in text_of(unknown)

    explained = refund | {"amount": "40", "reason": "Paid $40 too much."}
    given_back = post_form(client, f"{url}/refunds", explained, page=url)
    assert given_back.status_code == 302
    page = text_of(client.get(url))
    assert "Approval fee $40 given back (Check 77): Paid $40 too much." in page
    assert "Waive some or all of the approval fee ($40 owed)" in page

    over = post_form(
        client,
        f"{url}/waivers",
        {"purpose": "approval", "amount": "41", "reason": "A state library partner."},
        page=url,
    )
    assert over.status_code == 422
    assert "You can waive at most what is owed for the approval ($40)." in text_of(over)
    waived = post_form(
        client,
        f"{url}/waivers",
        {"purpose": "approval", "amount": "40", "reason": "A state library partner."},
        page=url,
    )
    assert waived.status_code == 302
    nothing = post_form(
        client,
        f"{url}/waivers",
        {"purpose": "approval", "amount": "1", "reason": "A state library partner."},
        page=url,
    )
    assert nothing.status_code == 422
    assert "Nothing is owed for the approval of this course" in text_of(nothing)

    kinds = session.scalars(select(CourseFee.kind).order_by(CourseFee.id)).all()
    assert kinds == [
        CourseFeeKind.CHARGE,
        CourseFeeKind.PAYMENT,
        CourseFeeKind.REFUND,
        CourseFeeKind.WAIVER,
    ]
    assert actions(session, version.id)[-2:] == ["course_fee.refunded", "course_fee.waived"]
    login_as(client, member)
    assert "Fees owed: none" in text_of(client.get("/provider/"))
    theirs = text_of(client.get(f"/provider/courses/{version.id}"))
    assert "Approval fee $40 given back (Check 77): Paid $40 too much." in theirs
    assert "Approval fee $40 waived: A state library partner." in theirs
    assert "Owed now: nothing." in theirs


def test_the_office_creates_providers_and_adds_members(client, session):
    session.commit()  # the setup stays when a request rolls back
    login_as(client, make_admin(session))
    made = post_form(
        client, "/admin/providers", {"name": "North State Library", "kind": "state_library"}
    )
    assert made.status_code == 302
    provider = session.scalars(select(Provider)).one()
    person = make_user(session, "kim@example.org", name="Kim")
    url = f"/admin/providers/{provider.id}/members"
    added = post_form(client, url, {"email": "KIM@example.org"}, page="/admin/providers")
    assert added.status_code == 302
    session.refresh(person)
    assert person.has_role(Role.PROVIDER)
    nobody = post_form(client, url, {"email": "ghost@example.org"}, page="/admin/providers")
    assert nobody.status_code == 422
    assert "Nobody has an account with that email address" in text_of(nobody)
    twice = post_form(
        client, "/admin/providers", {"name": "north state library", "kind": "state_library"}
    )
    assert twice.status_code == 409


def test_provider_pages_need_the_provider_role(client, session):
    candidate = make_user(session, "cand@example.org", roles=(Role.CANDIDATE,))
    session.commit()  # the setup stays when a request rolls back
    assert client.get("/provider/").status_code == 302  # to sign in
    login_as(client, candidate)
    assert client.get("/provider/").status_code == 403
    assert client.get("/provider/register").status_code == 200
    assert client.get("/providers/nobody-here").status_code == 404


def submitted_course(session, framework, provider, member) -> CourseVersion:
    version = complete_draft(session, provider, member, framework)
    applications.submit_version(session, version, actor=member, today=TODAY)
    return version


def approved_course(session, framework, provider, member) -> CourseVersion:
    version = submitted_course(session, framework, provider, member)
    admin = make_admin(session, "approver@example.org")
    evaluator = make_reviewer(session, "eve@example.org", name="Eve")
    evaluation = evaluations.assign_evaluator(
        session, version, evaluator_id=evaluator.id, actor=admin
    )
    evaluations.submit_evaluation(
        session,
        evaluation,
        ratings={k.removeprefix("rating-"): v for k, v in RATINGS.items()},
        comment="Fine.",
        actor=evaluator,
    )
    decisions.approve(session, version, actor=admin, today=TODAY)
    return version


def test_the_lists_need_the_same_number_of_queries_for_one_course_or_many(app, client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    admin = make_admin(session)
    evaluator = make_reviewer(session, "eve@example.org", name="Eve")

    def one_more(n: int) -> None:
        version = complete_draft(session, provider, member, framework, title=f"Course {n}")
        applications.submit_version(session, version, actor=member, today=TODAY)
        evaluations.assign_evaluator(session, version, evaluator_id=evaluator.id, actor=admin)

    one_more(0)
    session.commit()
    pages = {
        admin: "/admin/course-approvals",
        member: "/provider/",
        evaluator: "/review/course-evaluations",
    }
    few = {}
    for person, url in pages.items():
        login_as(client, person)
        with counting(app) as statements:
            assert client.get(url).status_code == 200
        few[url] = len(statements)
    for n in range(1, 6):
        one_more(n)
    session.commit()
    for person, url in pages.items():
        login_as(client, person)
        with counting(app) as statements:
            page = client.get(url)
        assert "Course 5" in text_of(page)
        assert len(statements) == few[url], url


def test_hostile_forms_get_a_clear_message_and_a_4xx(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    draft = complete_draft(session, provider, member, framework)
    waiting = submitted_course(session, framework, provider, member)
    admin = make_admin(session)
    evaluator = make_reviewer(session, "eve@example.org", name="Eve")
    stranger = make_reviewer(session, "sly@example.org", name="Sly", sets=("OTHER",))
    evaluations.assign_evaluator(session, waiting, evaluator_id=evaluator.id, actor=admin)
    session.commit()

    login_as(client, member)
    url = f"/provider/courses/{draft.id}"
    core = draft.competency_set.competencies
    cases = [
        (
            {"title": "x" * 201, "format": "online"},
            "Use at most 200 characters for the course's title.",
        ),
        ({"title": "Fine", "format": "by pigeon"}, "Choose online, in person or hybrid."),
        (
            {"title": "Fine", "format": "online", f"map-{core[0].id}-readings": "r" * 4001},
            "Use at most 4,000 characters for the readings of C1.",
        ),
        (
            {"title": "Fine", "format": "online", "syllabus_upload_id": "99999"},
            "We could not find that file.",
        ),
    ]
    for form, message in cases:
        response = post_form(client, url, form)
        assert 400 <= response.status_code < 500, form
        assert message in text_of(response)
    other_file = make_upload(session, admin, name="not-yours.pdf")
    session.commit()
    response = post_form(
        client, url, {"title": "Fine", "format": "online", "syllabus_upload_id": other_file.id}
    )
    assert response.status_code == 404
    session.refresh(draft)
    assert draft.title == "Cataloguing Essentials"
    assert draft.syllabus.original_name == "syllabus.pdf"

    bad_start = post_form(
        client,
        f"/provider/{provider.id}/courses",
        {"set_id": "99999999999999", "title": "T"},
        page=f"/provider/{provider.id}/courses/new",
    )
    assert bad_start.status_code == 422
    assert "Choose the competency set the course covers." in text_of(bad_start)

    login_as(client, admin)
    review_url = f"/admin/course-approvals/{waiting.id}"
    for value, message in (
        ("abc", "Choose a reviewer qualified for CORE."),
        (str(stranger.id), "Choose a reviewer qualified for CORE."),
        (str(evaluator.id), "Eve is already evaluating this course."),
    ):
        response = post_form(
            client, f"{review_url}/evaluators", {"evaluator_id": value}, page=review_url
        )
        assert 400 <= response.status_code < 500
        assert message in text_of(response)
    stale = post_form(client, f"{review_url}/approve", {"version": "0"}, page=review_url)
    assert stale.status_code == 409
    assert "Ask an evaluator" in text_of(stale)  # the course's page, not a bare error
    missing = post_form(client, f"{review_url}/approve", {}, page=review_url)
    assert missing.status_code == 400

    login_as(client, evaluator)
    evaluation_url = f"/review/course-evaluations/{waiting.id}"
    unrated = post_form(client, evaluation_url, {"rating-coverage": "superb", "comment": ""})
    assert unrated.status_code == 422
    page = text_of(unrated)
    assert "Rate “Covers every competency of the set”." in page
    assert "Rate “Instructors' qualifications”." in page
    assert "Enter your comment." in page
    login_as(client, stranger)
    assert client.get(evaluation_url).status_code == 404


def test_the_office_records_the_providers_payment_once(client, session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    version = submitted_course(session, framework, provider, member)
    admin = make_admin(session)
    session.commit()  # the setup stays when a request rolls back
    login_as(client, admin)
    url = f"/admin/course-approvals/{version.id}"
    assert "Record the $100 approval fee as paid" in text_of(client.get(url))
    long = post_form(
        client, f"{url}/payments", {"purpose": "approval", "reference": "x" * 101}, page=url
    )
    assert long.status_code == 422
    assert "Use at most 100 characters for the reference." in text_of(long)
    assert post_form(client, f"{url}/payments", {"purpose": "gift"}, page=url).status_code == 422
    paid = post_form(
        client, f"{url}/payments", {"purpose": "approval", "reference": "Check 1042"}, page=url
    )
    assert paid.status_code == 302
    again = post_form(client, f"{url}/payments", {"purpose": "approval"}, page=url)
    assert again.status_code == 409
    assert "Nothing is owed for the approval of this course." in text_of(again)
    kinds = session.scalars(select(CourseFee.kind).order_by(CourseFee.id)).all()
    assert kinds == [CourseFeeKind.CHARGE, CourseFeeKind.PAYMENT]
    assert "course_fee.paid" in actions(session, version.id)
    login_as(client, member)
    assert "Fees owed: none" in text_of(client.get("/provider/"))
