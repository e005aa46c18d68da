"""Applying to renew and the office's review: the window with its grace period, accepting or
asking for proof with a reason, the fee when the rules charge one, and approval extending the
certificate from its OLD expiry with a new credential, recorded with reasons and audited."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.dates import add_years
from portfolio.extensions import db
from portfolio.models import (
    ActivityReview,
    AuditEvent,
    CeActivity,
    IssuedCredential,
    Payment,
    RenewalApplication,
    RenewalStatus,
)
from portfolio.models.base import utcnow
from portfolio.services.renewal import review
from tests.helpers import csrf_token, login_as
from tests.portfolio_fixtures import make_upload
from tests.renewal_fixtures import (
    TODAY,
    an_admin,
    another_holder,
    holder_in_window,
    post,
    post_activity,
)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def log_enough(client, holder) -> None:
    assert post_activity(client, holder, amount="2").status_code == 302  # 30 hours
    response = post_activity(
        client,
        holder,
        title="Digital literacy",
        unit="workshop_hour",
        amount="4",
        on_technology="y",
    )
    assert response.status_code == 302


def apply(client, holder):
    return post(client, holder.page, f"{holder.page}/apply")


@pytest.fixture
def applied(client, session):
    holder = holder_in_window(session, expires_in_days=40)
    login_as(client, holder.user)
    log_enough(client, holder)
    assert apply(client, holder).status_code == 302
    renewal = session.scalars(select(RenewalApplication)).one()
    admin = an_admin(session)
    return holder, renewal, admin


def admin_post(client, renewal, path: str, **data: str):
    page = f"/admin/renewals/{renewal.id}"
    return client.post(f"{page}{path}", data={"csrf_token": csrf_token(client, page), **data})


def test_applying_takes_every_logged_activity_and_is_acknowledged(
    client, session, mailbox, applied
):
    holder, renewal, _admin = applied
    assert renewal.status is RenewalStatus.SUBMITTED
    assert renewal.cycle_expires_on == holder.certificate.expires_on
    assert [a.renewal_id for a in session.scalars(select(CeActivity))] == [renewal.id] * 2
    page = text(client.get(holder.page))
    assert "the application is <strong>with the program office</strong>" in page
    assert "34 of 32 contact hours, 4 of at least 4 on technology: enough to renew." in page
    assert any("Your renewal application" in m["Subject"] for m in mailbox.to(holder.user.email))
    # Applied activities stay as sent.
    activity = session.scalars(select(CeActivity)).first()
    removed = post(client, holder.page, f"{holder.page}/activities/{activity.id}/remove")
    assert removed.status_code == 409
    assert "stays as you sent it" in text(removed)
    # A second application for the same expiry is refused.
    again = apply(client, holder)
    assert again.status_code == 409
    assert "You applied to renew this certificate on" in text(again)


def test_not_enough_hours_cannot_apply(client, session):
    holder = holder_in_window(session)
    login_as(client, holder.user)
    post_activity(client, holder, amount="2")  # 30 hours, none on technology
    response = apply(client, holder)
    assert response.status_code == 422
    assert "Not enough yet: 30 of 32 contact hours, 0 of at least 4 on technology" in text(response)
    assert session.scalar(select(func.count()).select_from(RenewalApplication)) == 0


@pytest.mark.parametrize(
    ("expires_in_days", "status", "message"),
    [
        (400, 409, "Renewal opens on"),  # more than 12 months ahead
        (-30, 302, ""),  # expired a month ago: inside the 2-month grace period
        (-70, 409, "The grace period for renewal ended on"),
    ],
)
def test_the_application_is_open_from_12_months_before_to_2_months_after(
    client, session, expires_in_days, status, message
):
    holder = holder_in_window(session, expires_in_days=expires_in_days)
    login_as(client, holder.user)
    log_enough(client, holder)
    response = apply(client, holder)
    assert response.status_code == status
    if message:
        assert message in text(response)
        assert session.scalar(select(func.count()).select_from(RenewalApplication)) == 0
        assert session.scalar(select(func.count()).select_from(CeActivity)) == 2  # kept


def test_the_office_asks_for_proof_the_holder_sends_it_and_the_office_approves(
    client, session, mailbox, applied
):
    holder, renewal, admin = applied
    first, second = sorted(renewal.activities, key=lambda a: a.id)
    old_expiry = holder.certificate.expires_on
    credentials_before = session.scalar(select(func.count()).select_from(IssuedCredential))

    login_as(client, admin)
    listing = text(client.get("/admin/renewals?quarter=all&stage=in_progress"))
    assert f"/admin/renewals/{renewal.id}" in listing
    short = admin_post(client, renewal, f"/activities/{first.id}/request-proof", reason="ok")
    assert short.status_code == 422
    assert "Say why in at least 5 characters." in text(short)
    asked = admin_post(
        client, renewal, f"/activities/{first.id}/request-proof",
        reason="Please send the transcript showing the two credits.",
    )  # fmt: skip
    assert asked.status_code == 302
    assert admin_post(client, renewal, f"/activities/{second.id}/accept").status_code == 302
    session.expire_all()
    assert renewal.status is RenewalStatus.PROOF_REQUESTED
    page = text(client.get(f"/admin/renewals/{renewal.id}"))
    assert "1 of 2 activities are not accepted yet." in page
    refused = admin_post(client, renewal, "/approve", version=str(renewal.version))
    assert refused.status_code == 409
    assert "not accepted yet" in text(refused)

    # The holder reads the reason and sends the proof through the upload flow.
    login_as(client, holder.user)
    holder_page = text(client.get(holder.page))
    assert "Please send the transcript showing the two credits." in holder_page
    assert "the application is <strong>waiting for proof</strong>." in holder_page
    proof = make_upload(session, holder.user, name="transcript.pdf")
    session.commit()
    url = f"{holder.page}/activities/{first.id}/proof"
    token = csrf_token(client, holder.page)
    sent = client.post(url, json={"upload_id": proof.id}, headers={"X-CSRFToken": token})
    assert sent.status_code == 201
    session.expire_all()
    assert first.review is ActivityReview.PENDING and renewal.status is RenewalStatus.SUBMITTED
    assert "Proof sent: transcript.pdf" in text(client.get(holder.page))
    # Proof of an activity the office did not ask about is refused: evidence stays as sent.
    other = client.post(
        f"{holder.page}/activities/{second.id}/proof",
        json={"upload_id": proof.id},
        headers={"X-CSRFToken": token},
    )
    assert other.status_code == 409

    login_as(client, admin)
    page = text(client.get(f"/admin/renewals/{renewal.id}"))
    assert "transcript.pdf" in page
    # The office may read the proof (this test's store has no bytes for it: past the access
    # check, the download says so); anyone else is told there is no such file.
    download = client.get(f"/files/{proof.id}")
    assert download.status_code == 404 and "missing from storage" in text(download)
    assert admin_post(client, renewal, f"/activities/{first.id}/accept").status_code == 302
    session.expire_all()
    approved = admin_post(
        client, renewal, "/approve", version=str(renewal.version), note="All in order."
    )
    assert approved.status_code == 302
    session.expire_all()

    new_expiry = add_years(old_expiry, 5)  # from the OLD expiry, not from today
    assert holder.certificate.expires_on == new_expiry
    assert renewal.status is RenewalStatus.APPROVED and renewal.new_expires_on == new_expiry
    assert renewal.decision_reasons["hours"] == "34"
    assert renewal.decision_reasons["note"] == "All in order."
    credentials = session.scalars(select(IssuedCredential).order_by(IssuedCredential.id)).all()
    assert len(credentials) == credentials_before + 1
    newest = json.loads(credentials[-1].document)
    assert newest["validUntil"].startswith(new_expiry.isoformat())
    events = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "renewal").order_by(AuditEvent.id)
    ).all()
    assert events == [
        AuditAction.RENEWAL_SUBMITTED,
        AuditAction.RENEWAL_PROOF_REQUESTED,
        AuditAction.RENEWAL_ACTIVITY_ACCEPTED,
        AuditAction.RENEWAL_PROOF_ADDED,
        AuditAction.RENEWAL_ACTIVITY_ACCEPTED,
        AuditAction.RENEWAL_APPROVED,
    ]
    subjects = [m["Subject"] for m in mailbox.to(holder.user.email)]
    assert "The program office asks for proof of an activity" in subjects
    assert f"Your certificate is renewed until {new_expiry.day} {new_expiry:%B %Y}" in subjects
    [renewed] = [m for m in mailbox.to(holder.user.email) if "renewed until" in m["Subject"]]
    assert f"Open it in Portfolio: http://localhost{holder.page}" in mailbox.body(renewed)

    # The holder sees it; the public page shows the new date.
    login_as(client, holder.user)
    assert "your certificate is now valid until" in text(client.get(holder.page))
    public = text(client.get(f"/certificates/{holder.certificate.number}"))
    assert f"{new_expiry.day} {new_expiry:%B %Y}" in public

    # Approving again (a second tab, or a stale version) extends nothing more.
    login_as(client, admin)
    again = admin_post(client, renewal, "/approve", version=str(renewal.version))
    assert again.status_code == 409
    assert "This renewal was approved on" in text(again)
    session.expire_all()
    assert holder.certificate.expires_on == new_expiry


def test_a_stale_approval_form_is_refused(client, session, applied):
    _holder, renewal, admin = applied
    login_as(client, admin)
    for activity in renewal.activities:
        admin_post(client, renewal, f"/activities/{activity.id}/accept")
    for stale in ("0", "abc", "9" * 50):
        response = admin_post(client, renewal, "/approve", version=stale)
        assert response.status_code == 409
        assert "The application changed since you opened it" in text(response)


def test_the_fee_is_recorded_before_approval_when_the_rules_charge_one(client, session, applied):
    holder, renewal, admin = applied
    renewal.fee_cents = 2500  # as the rules said when applying
    session.commit()
    login_as(client, admin)
    for activity in renewal.activities:
        admin_post(client, renewal, f"/activities/{activity.id}/accept")
    page = text(client.get(f"/admin/renewals/{renewal.id}"))
    assert "The renewal fee of $25.00 is not paid yet." in page
    refused = admin_post(client, renewal, "/approve", version=str(renewal.version))
    assert refused.status_code == 409
    application = holder.certificate.enrollment.application_id
    ledger_before = _application_ledger(session, application)
    assert admin_post(client, renewal, "/fee", method="   ").status_code == 422
    assert admin_post(client, renewal, "/fee", method="check", reference="1234").status_code == 302
    payment = session.scalars(select(Payment).where(Payment.renewal_id == renewal.id)).one()
    assert payment.amount_cents == 2500
    assert payment.application_id == holder.certificate.enrollment.application_id
    # The application's own ledger and statement leave the renewal's fee out.
    assert _application_ledger(session, application) == ledger_before
    assert admin_post(client, renewal, "/fee", method="check").status_code == 409  # nothing due
    session.expire_all()
    approved = admin_post(client, renewal, "/approve", version=str(renewal.version))
    assert approved.status_code == 302


def test_the_office_pages_are_for_administrators_and_ids_are_checked(client, session, applied):
    holder, renewal, _admin = applied
    other = another_holder(session, holder)
    login_as(client, holder.user)
    assert client.get(f"/admin/renewals/{renewal.id}").status_code == 403
    assert client.get("/admin/renewals").status_code == 403
    login_as(client, _admin)
    assert client.get("/admin/renewals/99999").status_code == 404
    # An activity of another renewal (or none) under this renewal's URL.
    stray = CeActivity(
        certificate_id=other.certificate.id,
        user_id=other.user.id,
        title="Elsewhere",
        provider="Somewhere",
        done_on=TODAY - timedelta(days=3),
        unit="workshop_hour",
        amount_hundredths=200,
        created_at=utcnow(),
    )
    session.add(stray)
    session.commit()
    response = admin_post(client, renewal, f"/activities/{stray.id}/accept")
    assert response.status_code == 404
    assert "not part of this renewal application" in text(response)
    session.expire_all()
    assert stray.review is ActivityReview.PENDING


def test_hostile_list_parameters_are_a_clear_400_or_a_page(client, session, applied):
    _holder, _renewal, admin = applied
    login_as(client, admin)
    for query, message in (
        ("?page=-1", "The page number must be a whole number from 1 to 100,000."),
        ("?page=99999999999999999999", "The page number must be a whole number"),
        ("?page=abc", "The page number must be a whole number"),
        ("?quarter=2027-Q9", "“2027-Q9” is not one of the choices for Expiring in"),
        ("?stage=nonsense", "“nonsense” is not one of the choices for Stage"),
        ("?q=" + "%25_" * 500, "Search for at most 200 characters."),
    ):
        response = client.get(f"/admin/renewals{query}")
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True), query
    for query in ("?q=" + "%25_" * 50, "?quarter=all&stage=renewed&page=3"):
        response = client.get(f"/admin/renewals{query}")
        assert response.status_code == 200, query
        assert re.search(r"<h1>Renewals</h1>", response.get_data(as_text=True))


def test_the_renewal_pages_write_nothing_on_get(app, client, session, applied):
    from tests.integration.test_get_never_writes import writes_recorded

    holder, renewal, admin = applied
    engine = db.engine_for(app)
    login_as(client, admin)
    with writes_recorded(engine) as writes:
        assert client.get(f"/admin/renewals/{renewal.id}").status_code == 200
        assert client.get("/admin/renewals?quarter=all&stage=in_progress").status_code == 200
    login_as(client, holder.user)
    with writes_recorded(engine) as more:
        assert client.get(holder.page).status_code == 200
    assert writes == [] and more == []


def test_after_a_renewal_activities_count_from_the_new_period(client, session):
    holder = holder_in_window(session, expires_in_days=-30)  # renewed in the grace period
    old_expiry = holder.certificate.expires_on
    login_as(client, holder.user)
    log_enough(client, holder)
    assert apply(client, holder).status_code == 302
    renewal = session.scalars(select(RenewalApplication)).one()
    admin = an_admin(session)
    for activity in renewal.activities:
        review.accept_activity(session, renewal, activity.id, actor=admin, now=utcnow())
    review.approve(session, renewal.id, actor=admin, version=renewal.version, note="", now=utcnow())
    session.commit()
    assert holder.certificate.expires_on == add_years(old_expiry, 5)

    before = post_activity(client, holder, done_on=old_expiry.isoformat())
    assert before.status_code == 422
    first_day = old_expiry + timedelta(days=1)
    assert f"Only activities from {first_day.day} {first_day:%B %Y}" in text(before)
    assert post_activity(client, holder, done_on=first_day.isoformat()).status_code == 302


def _application_ledger(session, application_id: int) -> tuple[int, int]:
    from portfolio.models import Application
    from portfolio.services.applications import payments

    application = session.get(Application, application_id)
    statement = payments.current_statement(session, application)
    return len(payments.payments_of(session, application)), statement.balance_cents
