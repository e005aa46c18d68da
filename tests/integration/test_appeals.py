"""Appeals end to end through the pages: filing a notice and the grounds with files, the
office's answer, the committee's ruling and what it re-opens; every step dated, audited,
visible to the candidate and emailed after the commit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, select, update

from portfolio.domain.appeals.stages import Ruling
from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import format_date
from portfolio.extensions import db
from portfolio.models import (
    Appeal,
    AppealAttachment,
    Assignment,
    AssignmentStatus,
    Notification,
    ReviewerProfile,
    Role,
    SetOutcomeRecord,
    UploadStatus,
    UserRole,
)
from portfolio.models.base import utcnow
from portfolio.services import audit
from portfolio.services.appeals import committee, office
from portfolio.services.audit import events_for
from portfolio.services.reviewing import tallies as review_tallies
from portfolio.services.uploads.access import can_download
from portfolio.web import clock
from tests.appeal_fixtures import GROUNDS, decided_not_met, not_certified, only_appeal
from tests.helpers import csrf_token, login_as, make_user, post_form
from tests.integration.test_get_never_writes import writes_recorded
from tests.integration.test_review_quality import _tallies
from tests.portfolio_fixtures import make_upload
from tests.review_fixtures import submit

TODAY = clock.today()


def _mail_to(mailbox, address):
    """(subject, body) of every email sent to `address` (after the commit that queued it)."""
    return [(m["Subject"], mailbox.body(m)) for m in mailbox.to(address)]


def _file_notice(client, aw):
    case = f"/me/appeals/outcomes/{aw.submission_id}"
    return post_form(client, f"{case}/notice", {}, page="/me/appeals")


def _file_grounds(client, appeal_id, grounds=GROUNDS):
    page = f"/me/appeals/{appeal_id}"
    return post_form(client, f"{page}/grounds", {"grounds": grounds}, page="/me/appeals")


def _appeal_with_grounds(client, session, aw):
    login_as(client, aw.candidate)
    assert _file_notice(client, aw).status_code == 302
    appeal = only_appeal(session)
    assert _file_grounds(client, appeal.id).status_code == 302
    return appeal


def test_the_candidate_files_a_notice_then_the_grounds_with_a_file(client, session, mailbox):
    aw = decided_not_met(session)
    session.commit()
    login_as(client, aw.candidate)
    notice_by = format_date(TODAY + timedelta(days=10))
    grounds_by = format_date(TODAY + timedelta(days=30))

    listing = client.get("/me/appeals").get_data(as_text=True)
    assert f"notice of intent by {notice_by}" in listing
    case = client.get(f"/me/appeals/outcomes/{aw.submission_id}").get_data(as_text=True)
    assert notice_by in case and grounds_by in case

    answer = _file_notice(client, aw)
    appeal = only_appeal(session)
    assert answer.headers["Location"].endswith(f"/me/appeals/{appeal.id}")
    assert appeal.stage == "notice_filed" and appeal.decided_on == TODAY
    mail = _mail_to(mailbox, aw.candidate.email)
    assert any(grounds_by in body and f"/me/appeals/{appeal.id}" in body for _s, body in mail)
    assert _mail_to(mailbox, aw.admin.email), "the office is told of the notice"
    told = session.scalars(
        select(Notification).where(
            Notification.user_id == aw.candidate.id, Notification.kind == "appeal"
        )
    )
    assert [n.link for n in told] == [f"/me/appeals/{appeal.id}"]  # in the app's list too

    upload = make_upload(session, aw.candidate, name="timeline.pdf")
    session.commit()
    token = csrf_token(client, f"/me/appeals/{appeal.id}")
    attached = client.post(
        f"/me/appeals/{appeal.id}/attachments",
        json={"upload_id": upload.id},
        headers={"X-CSRFToken": token},
    )
    assert attached.status_code == 201
    # Not yet filed: the office and the committee cannot open it.
    assert not can_download(session, aw.admin, upload)

    assert _file_grounds(client, appeal.id).status_code == 302
    session.refresh(appeal)
    assert appeal.stage == "grounds_filed" and appeal.grounds == GROUNDS
    page = client.get(f"/me/appeals/{appeal.id}").get_data(as_text=True)
    assert "Grounds filed: waiting for the program office" in page
    assert "timeline.pdf" in page and format_date(TODAY + timedelta(days=30)) in page
    assert can_download(session, aw.admin, upload) and can_download(session, aw.member, upload)
    actions = [e.action for e in events_for(session, "appeal", appeal.id)]
    assert actions == ["appeal.notice_filed", "appeal.file_attached", "appeal.grounds_filed"]
    office_mail = _mail_to(mailbox, aw.admin.email)
    assert any(subject == "Appeal grounds to answer" for subject, _b in office_mail)


def test_a_notice_after_its_deadline_is_refused_with_the_dates(client, session):
    aw = decided_not_met(session, days_ago=11)
    session.commit()
    login_as(client, aw.candidate)
    deadline = format_date(TODAY - timedelta(days=1))
    case = client.get(f"/me/appeals/outcomes/{aw.submission_id}").get_data(as_text=True)
    assert f"The notice of intent had to be filed by {deadline}" in case
    assert "File a notice of intent" not in case
    answer = post_form(
        client,
        f"/me/appeals/outcomes/{aw.submission_id}/notice",
        {},
        page="/me/appeals",
    )
    assert answer.status_code == 409
    assert "The right to appeal this decision has ended." in answer.get_data(as_text=True)
    assert session.scalar(select(func.count(Appeal.id))) == 0


def test_grounds_after_their_deadline_are_refused_and_the_appeal_shows_lapsed(client, session):
    aw = decided_not_met(session, days_ago=9)
    session.commit()
    login_as(client, aw.candidate)
    assert _file_notice(client, aw).status_code == 302
    appeal = only_appeal(session)
    appeal.decided_on = TODAY - timedelta(days=31)  # three weeks later, nothing filed
    session.commit()
    page = client.get(f"/me/appeals/{appeal.id}").get_data(as_text=True)
    deadline = format_date(TODAY - timedelta(days=1))
    assert "Lapsed: the grounds were not filed in time" in page
    assert "right to appeal this decision ended on that day" in page and deadline in page
    assert 'name="grounds"' not in page
    token = csrf_token(client, "/me/appeals")
    answer = client.post(
        f"/me/appeals/{appeal.id}/grounds", data={"csrf_token": token, "grounds": GROUNDS}
    )
    assert answer.status_code == 409
    assert f"The full grounds had to be filed by {deadline}" in answer.get_data(as_text=True)
    session.refresh(appeal)
    assert appeal.stage == "notice_filed" and appeal.grounds == ""


def test_someone_elses_decision_or_appeal_is_not_found(client, session):
    aw = decided_not_met(session)
    decision = not_certified(session, aw)
    other = make_user(session, "other@example.org", name="Other Candidate", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, aw.candidate)
    assert _file_notice(client, aw).status_code == 302
    appeal = only_appeal(session)
    login_as(client, other)
    token = csrf_token(client, "/me/appeals")
    for url in (
        f"/me/appeals/outcomes/{aw.submission_id}",
        f"/me/appeals/decisions/{decision.id}",
        f"/me/appeals/{appeal.id}",
    ):
        assert client.get(url).status_code == 404
    for url, data in (
        (f"/me/appeals/outcomes/{aw.submission_id}/notice", {}),
        (f"/me/appeals/decisions/{decision.id}/notice", {}),
        (f"/me/appeals/{appeal.id}/grounds", {"grounds": GROUNDS}),
    ):
        answer = client.post(url, data={"csrf_token": token, **data})
        assert answer.status_code == 404
        assert "We could not find that" in answer.get_data(as_text=True)
    assert session.scalar(select(func.count(Appeal.id))) == 1
    session.refresh(appeal)
    assert appeal.stage == "notice_filed"


def test_a_decision_is_appealed_once_and_its_grounds_filed_once(client, session):
    aw = decided_not_met(session)
    session.commit()
    appeal = _appeal_with_grounds(client, session, aw)
    again = _file_notice(client, aw)
    assert again.status_code == 409
    assert "already filed a notice of intent" in again.get_data(as_text=True)
    twice = _file_grounds(client, appeal.id, GROUNDS + " And more.")
    assert twice.status_code == 409
    assert "already filed; they cannot change" in twice.get_data(as_text=True)
    session.refresh(appeal)
    assert appeal.grounds == GROUNDS
    assert session.scalar(select(func.count(Appeal.id))) == 1


def test_grounds_empty_short_or_too_long_are_refused_and_kept_in_the_form(client, session):
    aw = decided_not_met(session)
    session.commit()
    login_as(client, aw.candidate)
    _file_notice(client, aw)
    appeal = only_appeal(session)
    for grounds, message in (
        ("   ", "State the grounds of your appeal."),
        ("It was unfair.", "State the grounds in detail: at least 50 characters."),
        ("x" * 20_001, "Use at most 20,000 characters for the grounds (you used 20,001)"),
    ):
        answer = _file_grounds(client, appeal.id, grounds)
        assert answer.status_code == 422
        page = answer.get_data(as_text=True)
        assert message in page
        if grounds.strip():
            assert grounds[:200] in page  # what was typed is not lost
    session.refresh(appeal)
    assert appeal.stage == "notice_filed"


def test_files_that_are_not_the_candidates_or_not_checked_are_refused(client, session):
    aw = decided_not_met(session)
    someone = make_user(session, "someone@example.org", name="Some One")
    theirs = make_upload(session, someone, name="theirs.pdf")
    pending = make_upload(session, aw.candidate, status=UploadStatus.PENDING, name="p.pdf")
    session.commit()
    login_as(client, aw.candidate)
    _file_notice(client, aw)
    appeal = only_appeal(session)
    token = csrf_token(client, f"/me/appeals/{appeal.id}")
    url = f"/me/appeals/{appeal.id}/attachments"
    headers = {"X-CSRFToken": token}
    assert client.post(url, json={"upload_id": theirs.id}, headers=headers).status_code == 404
    refused = client.post(url, json={"upload_id": pending.id}, headers=headers)
    assert (
        refused.status_code == 422 and "Wait until the file is checked" in refused.json["message"]
    )
    assert client.post(url, json={"upload_id": "nonsense"}, headers=headers).status_code == 404
    assert session.scalar(select(func.count(AppealAttachment.id))) == 0


def test_a_committee_member_who_reviewed_the_case_is_refused(client, session):
    aw = decided_not_met(session)
    reviewer = aw.first_reviewers[0]
    reviewer.roles.append(UserRole(role=Role.COMMITTEE))
    session.commit()
    appeal = _appeal_with_grounds(client, session, aw)
    login_as(client, aw.admin)
    post_form(
        client,
        f"/admin/appeals/{appeal.id}/answer",
        {"response": "The reviews followed the rubric."},
        page=f"/admin/appeals/{appeal.id}",
    )
    login_as(client, reviewer)
    page = client.get(f"/committee/appeals/{appeal.id}")
    assert page.status_code == 403
    assert "You reviewed this case, so you cannot sit on its appeals committee" in page.get_data(
        as_text=True
    )
    token = csrf_token(client, "/committee/")
    ruling = client.post(
        f"/committee/appeals/{appeal.id}/ruling",
        data={"csrf_token": token, "ruling": "uphold", "comments": "Fairly reached."},
    )
    assert ruling.status_code == 403
    session.refresh(appeal)
    assert appeal.stage == "with_committee" and appeal.ruled_at is None
    # The office person who answered cannot judge it either.
    aw.admin.roles.append(UserRole(role=Role.COMMITTEE))
    session.commit()
    login_as(client, aw.admin)
    assert client.get(f"/committee/appeals/{appeal.id}").status_code == 403


def test_sent_back_the_set_is_reviewed_by_people_who_have_not_seen_it(client, session, mailbox):
    aw = decided_not_met(session)
    session.commit()
    appeal = _appeal_with_grounds(client, session, aw)
    login_as(client, aw.admin)
    answered = post_form(
        client,
        f"/admin/appeals/{appeal.id}/answer",
        {"response": "", "declines": "yes"},
        page=f"/admin/appeals/{appeal.id}",
    )
    assert answered.status_code == 302
    login_as(client, aw.member)
    queue = client.get("/committee/").get_data(as_text=True)
    assert f"/committee/appeals/{appeal.id}" in queue
    assert format_date(TODAY + timedelta(days=30)) in queue
    ruled = post_form(
        client,
        f"/committee/appeals/{appeal.id}/ruling",
        {"ruling": "send_back", "comments": "The second review was late; review it again."},
        page=f"/committee/appeals/{appeal.id}",
    )
    assert ruled.status_code == 302
    # The member who ruled still reads the appeal they heard.
    assert "Sent back with comments" in client.get(f"/committee/appeals/{appeal.id}").get_data(
        as_text=True
    )
    session.expire_all()
    assert appeal.stage == "sent_back"
    first = {r.id for r in aw.first_reviewers}
    rows = session.scalars(
        select(Assignment).where(Assignment.submission_id == aw.submission_id)
    ).all()
    assert {a.reviewer_id for a in rows if a.status is AssignmentStatus.REASSIGNED} == first
    fresh = {a.reviewer_id for a in rows if a.status is AssignmentStatus.ASSIGNED}
    assert len(fresh) == 2 and not fresh & first
    assert aw.world.enrollment_set.status == "in_review"
    assert (
        session.scalar(
            select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == aw.submission_id)
        )
        is None
    )
    login_as(client, aw.candidate)
    page = client.get(f"/me/appeals/{appeal.id}").get_data(as_text=True)
    assert "Sent back with comments" in page
    assert "In progress, by 2 reviewers who have not seen the set" in page
    assert "Review the set afresh (reviewers who have not seen the set)" in page
    assert "The program office stated it will not respond" in page
    assert "The second review was late; review it again." in page
    subjects = [subject for subject, _b in _mail_to(mailbox, aw.candidate.email)]
    assert "The appeals committee has ruled on your appeal" in subjects
    assert "The program office has answered your appeal" in subjects
    actions = [e.action for e in events_for(session, "appeal", appeal.id)]
    assert actions[-2:] == ["appeal.office_answered", "appeal.sent_back"]


def test_a_set_sent_back_with_nobody_left_to_review_it_says_so(client, session):
    aw = decided_not_met(session)
    session.commit()
    appeal = _appeal_with_grounds(client, session, aw)
    login_as(client, aw.admin)
    answer = {"response": "", "declines": "yes"}
    url = f"/admin/appeals/{appeal.id}"
    assert post_form(client, f"{url}/answer", answer, page=url).status_code == 302
    session.execute(update(ReviewerProfile).values(active=False))  # nobody takes new reviews
    session.commit()
    login_as(client, aw.member)
    ruling = {"ruling": "send_back", "comments": "The second review was late; review it again."}
    heard = f"/committee/appeals/{appeal.id}"
    sent = post_form(client, f"{heard}/ruling", ruling, page=heard)
    assert sent.status_code == 302
    login_as(client, aw.candidate)
    page = client.get(f"/me/appeals/{appeal.id}").get_data(as_text=True)
    assert "Waiting for reviewers who have not seen the set: 0 of 2 assigned so far" in page
    assert "In progress" not in page


def test_a_certification_decision_upheld_or_sent_back_and_reconsidered(client, session):
    aw = decided_not_met(session)
    decision = not_certified(session, aw, days_ago=3)
    session.commit()
    login_as(client, aw.candidate)
    case = f"/me/appeals/decisions/{decision.id}"
    assert post_form(client, f"{case}/notice", {}, page=case).status_code == 302
    appeal = only_appeal(session)
    assert appeal.decided_on == TODAY - timedelta(days=3)
    assert _file_grounds(client, appeal.id).status_code == 302
    login_as(client, aw.admin)
    show = f"/admin/appeals/{appeal.id}"
    post_form(client, f"{show}/answer", {"response": "The window had ended."}, page=show)
    login_as(client, aw.member)
    bad = post_form(
        client,
        f"/committee/appeals/{appeal.id}/ruling",
        {"ruling": "maybe", "comments": "Hmm, unsure."},
        page=f"/committee/appeals/{appeal.id}",
    )
    assert bad.status_code == 422 and "Choose to uphold" in bad.get_data(as_text=True)
    post_form(
        client,
        f"/committee/appeals/{appeal.id}/ruling",
        {"ruling": "send_back", "comments": "The reasons do not name the rule applied."},
        page=f"/committee/appeals/{appeal.id}",
    )
    login_as(client, aw.admin)
    reconsidered = post_form(
        client,
        f"{show}/reconsider",
        {"outcome": "stands", "reason": "The completion window ended on its published date."},
        page=show,
    )
    assert reconsidered.status_code == 302
    session.expire_all()
    assert appeal.stage == "reconsidered" and decision.status == "not_certified"
    login_as(client, aw.candidate)
    page = client.get(f"/me/appeals/{appeal.id}").get_data(as_text=True)
    assert "Reconsidered by the program office" in page
    assert "The completion window ended on its published date." in page


def test_the_office_sees_appeals_by_stage_with_overdue_steps_flagged(client, session):
    aw = decided_not_met(session)
    session.commit()
    appeal = _appeal_with_grounds(client, session, aw)
    appeal.grounds_filed_at = utcnow() - timedelta(days=31)
    session.commit()
    login_as(client, aw.admin)
    page = client.get("/admin/appeals").get_data(as_text=True)
    assert "Grounds filed: waiting for the program office (1)" in page
    assert format_date(TODAY - timedelta(days=1)) in page and "Overdue" in page
    assert "Answer the appeal, or state that it will not" in page
    show = client.get(f"/admin/appeals/{appeal.id}").get_data(as_text=True)
    assert f'href="/admin/reviews/submissions/{aw.submission_id}"' in show
    assert client.get(f"/admin/reviews/submissions/{aw.submission_id}").status_code == 200
    empty = post_form(
        client,
        f"/admin/appeals/{appeal.id}/answer",
        {"response": " "},
        page=f"/admin/appeals/{appeal.id}",
    )
    assert empty.status_code == 422 and "Write the response." in empty.get_data(as_text=True)
    login_as(client, aw.candidate)
    assert client.get("/admin/appeals").status_code == 403
    assert client.get("/committee/").status_code == 403


def test_no_appeal_page_writes_on_a_get(app, client, session):
    aw = decided_not_met(session, days_ago=2)
    decision = not_certified(session, aw)
    session.commit()
    appeal = _appeal_with_grounds(client, session, aw)
    appeal.grounds_filed_at = utcnow() - timedelta(days=40)  # overdue: shown, never stored
    session.commit()
    engine = db.engine_for(app)
    pages = {
        aw.candidate: [
            "/me/appeals",
            f"/me/appeals/{appeal.id}",
            f"/me/appeals/decisions/{decision.id}",
            f"/me/appeals/outcomes/{aw.submission_id}",  # redirects to the appeal
            f"/me/outcomes/{aw.submission_id}",
        ],
        aw.admin: ["/admin/appeals", f"/admin/appeals/{appeal.id}"],
        aw.member: ["/committee/", f"/committee/appeals/{appeal.id}"],
    }
    for person, urls in pages.items():
        login_as(client, person)
        for url in urls:
            with writes_recorded(engine) as writes:
                answer = client.get(url)
            assert answer.status_code in (200, 302), url
            assert writes == [], url


def test_the_lists_take_the_same_queries_for_one_appeal_or_more(app, client, session):
    aw = decided_not_met(session)
    decision = not_certified(session, aw)
    upload = make_upload(session, aw.candidate, name="one.pdf")
    session.commit()
    appeal = _appeal_with_grounds(client, session, aw)
    session.add(AppealAttachment(appeal_id=appeal.id, upload_id=upload.id))
    appeal.stage = appeal.stage.WITH_COMMITTEE
    appeal.office_answered_at = utcnow()
    session.commit()

    def queries(person, url):
        login_as(client, person)
        with writes_recorded(db.engine_for(app)) as writes:
            statements = []

            def count(*_args, **_kwargs):
                statements.append(1)

            event.listen(db.engine_for(app), "before_cursor_execute", count)
            try:
                assert client.get(url).status_code == 200
            finally:
                event.remove(db.engine_for(app), "before_cursor_execute", count)
        assert writes == [], url
        return len(statements)

    one = {url: queries(who, url) for who, url in _lists(aw)}
    login_as(client, aw.candidate)
    case = f"/me/appeals/decisions/{decision.id}"
    assert post_form(client, f"{case}/notice", {}, page="/me/appeals").status_code == 302
    second = session.scalars(select(Appeal).where(Appeal.decision_id == decision.id)).one()
    assert _file_grounds(client, second.id).status_code == 302
    second.stage, second.office_answered_at = second.stage.WITH_COMMITTEE, utcnow()
    session.commit()
    assert {url: queries(who, url) for who, url in _lists(aw)} == one


def _lists(aw):
    return [
        (aw.admin, "/admin/appeals"),
        (aw.member, "/committee/"),
        (aw.candidate, "/me/appeals"),
    ]


def test_a_reconsidered_decision_that_changes_is_an_override_with_its_certificate(
    client, session, mailbox
):
    aw = decided_not_met(session)
    decision = not_certified(session, aw)
    session.commit()
    login_as(client, aw.candidate)
    case = f"/me/appeals/decisions/{decision.id}"
    post_form(client, f"{case}/notice", {}, page="/me/appeals")
    appeal = only_appeal(session)
    _file_grounds(client, appeal.id)
    login_as(client, aw.admin)
    show = f"/admin/appeals/{appeal.id}"
    reconsider_early = post_form(
        client, f"{show}/reconsider", {"outcome": "changes", "reason": "Too early."}, page=show
    )
    assert reconsider_early.status_code == 409  # the committee has not sent it back
    post_form(client, f"{show}/answer", {"declines": "yes"}, page=show)
    login_as(client, aw.member)
    page = f"/committee/appeals/{appeal.id}"
    post_form(
        client, f"{page}/ruling", {"ruling": "send_back", "comments": "Reasons missing."}, page=page
    )
    login_as(client, aw.admin)
    changed = post_form(
        client,
        f"{show}/reconsider",
        {"outcome": "changes", "reason": "The window was extended for this candidate in writing."},
        page=show,
    )
    assert changed.status_code == 302
    session.expire_all()
    assert decision.status == "certified" and appeal.stage == "reconsidered"
    overrides = [e.action for e in events_for(session, "enrollment", decision.enrollment_id)]
    assert "certification.overridden" in overrides
    subjects = [subject for subject, _b in _mail_to(mailbox, aw.candidate.email)]
    assert "The program office has reconsidered its decision" in subjects
    assert any(s.startswith("You are certified") for s in subjects)


def test_hostile_attachment_requests_are_refused_plainly(client, session):
    aw = decided_not_met(session)
    session.commit()
    login_as(client, aw.candidate)
    _file_notice(client, aw)
    appeal = only_appeal(session)
    token = csrf_token(client, f"/me/appeals/{appeal.id}")
    url = f"/me/appeals/{appeal.id}/attachments"
    for body in ([1, 2], {"upload_id": 10**30}, {"upload_id": True}, "text", {"upload_id": -1}):
        answer = client.post(url, json=body, headers={"X-CSRFToken": token})
        assert answer.status_code == 404, body
        assert answer.json["message"] == "We could not find that file."
    form = client.post(url, data={"upload_id": "٣", "csrf_token": token})
    assert form.status_code == 404


def test_the_fresh_review_decides_the_set_again_and_the_appeal_shows_it(client, session):
    aw = decided_not_met(session)
    session.commit()
    appeal = _appeal_with_grounds(client, session, aw)
    office.answer(session, appeal, actor=aw.admin, response="", declines=True, today=TODAY)
    committee.rule(
        session,
        appeal,
        member=aw.member,
        ruling=Ruling.SEND_BACK,
        comments="Review it again.",
        today=TODAY,
    )
    fresh = session.scalars(
        select(Assignment).where(
            Assignment.submission_id == aw.submission_id,
            Assignment.status == AssignmentStatus.ASSIGNED,
        )
    ).all()
    for assignment in fresh:
        submit(session, aw.world, assignment, "met")
    session.commit()
    outcome = session.scalar(
        select(SetOutcomeRecord).where(SetOutcomeRecord.submission_id == aw.submission_id)
    )
    assert outcome is not None and outcome.status == "met"
    assert aw.world.enrollment_set.status == "met"
    # The reviews set aside left the quality tallies as a rebuild from scratch counts them.
    kept = _counted(session)
    review_tallies.rebuild(session)
    assert _counted(session) == kept
    login_as(client, aw.candidate)
    page = client.get(f"/me/appeals/{appeal.id}").get_data(as_text=True)
    assert "Outcome of the fresh review" in page and "<dd>Met</dd>" in page
    feedback = client.get(f"/me/outcomes/{aw.submission_id}").get_data(as_text=True)
    assert "Core skills: Met" in feedback


def _counted(session):
    """The tallies' rows that count something (withdrawing leaves rows of zeros behind)."""
    return {table: [row for row in rows if row[2]] for table, rows in _tallies(session).items()}


def test_a_decision_changed_by_an_override_is_appealed_from_the_day_it_changed(client, session):
    aw = decided_not_met(session)
    decision = not_certified(session, aw, days_ago=40)
    session.commit()
    login_as(client, aw.candidate)
    case = f"/me/appeals/decisions/{decision.id}"
    assert "The right to appeal this decision has ended." in client.get(case).get_data(as_text=True)
    audit.record(
        session,
        actor=aw.admin,
        action=AuditAction.CERTIFICATION_OVERRIDDEN,
        object_type="enrollment",
        object_id=decision.enrollment_id,
        details={"before": "certified", "after": "not_certified", "reason": "Revoked."},
    )
    session.commit()
    page = client.get(case).get_data(as_text=True)
    assert format_date(TODAY + timedelta(days=10)) in page
    assert post_form(client, f"{case}/notice", {}, page="/me/appeals").status_code == 302
    assert only_appeal(session).decided_on == TODAY
