"""`flask demo` after LSSCP is published: a certified holder inside the renewal window, with a
continuing-education log part full, who can sign in and apply once the log is complete."""

from __future__ import annotations

from sqlalchemy import func, select

from portfolio.commands.demo_renewal import HOLDER
from portfolio.domain.accounts.passwords import password_problems
from portfolio.domain.dates import format_date
from portfolio.models import (
    Application,
    CeActivity,
    Certificate,
    Enrollment,
    IssuedCredential,
    Role,
    User,
)
from portfolio.web import clock
from tests.helpers import login_as, make_user, sign_in
from tests.integration.test_demo_portfolio import publish_lsscp, run

EMAIL, NAME, PASSWORD = HOLDER


def test_the_demo_holder_can_renew_now_and_a_second_run_changes_nothing(app, client, session):
    publish_lsscp(app)
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    assert EMAIL in first.output and PASSWORD in first.output
    holder = session.scalar(select(User).where(User.email == EMAIL))
    certificate = session.scalars(select(Certificate).where(Certificate.user_id == holder.id)).one()
    days_left = (certificate.expires_on - clock.today()).days
    assert 0 < days_left < 365  # inside the 12-month renewal window
    assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 1
    # Applied when enrolled, years ago: the intake funnel counts it in that quarter.
    application = session.scalars(select(Application).where(Application.user_id == holder.id)).one()
    enrollment = session.get(Enrollment, certificate.enrollment_id)
    assert application.submitted_at.date() == enrollment.enrolled_on

    assert sign_in(client, EMAIL, PASSWORD).status_code == 302
    page = client.get(f"/me/certificates/{certificate.id}/renewal").get_data(as_text=True)
    assert "21 of 32 contact hours, 3 of at least 4 on technology" in page
    assert "Apply to renew" in page

    second = run(app, "demo")
    assert second.exit_code == 0
    assert "holds a certificate already; nothing changed" in second.output
    assert session.scalar(select(func.count()).select_from(CeActivity)) == 3
    # The office's page of the holder agrees with theirs: sets met by courses, decided then.
    login_as(client, make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,)))
    session.commit()
    office = client.get(f"/admin/people/{holder.id}").get_data(as_text=True)
    assert office.count("met by a verified approved course") == 6
    assert f"decided on {format_date(certificate.issued_on)}" in office


def test_the_demo_holder_password_passes_the_policy():
    assert password_problems(PASSWORD, email=EMAIL, name=NAME) == []
