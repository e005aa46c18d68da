"""The renewal cycle in a real browser: from the reminder's link, the holder logs continuing
education (totals update as they type), applies, the office accepts the activities and approves,
and the certificate runs five more years from its old expiry. Axe-clean at each step."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from playwright.sync_api import Page, expect

from portfolio.domain.dates import add_years, format_date
from portfolio.extensions import db
from portfolio.models import Role
from portfolio.services.accounts.hashing import hash_password
from portfolio.services.renewal.reminders import send_renewal_reminders
from portfolio.web import clock
from tests.helpers import link_in, make_user
from tests.renewal_fixtures import holder_in_window
from tests.web.conftest import assert_accessible

PASSWORD = "a holder's long renewal passphrase"


def seeded(live_app) -> dict[str, object]:
    with live_app.app_context():
        session = db.session
        holder = holder_in_window(session, expires_in_days=45)
        holder.user.password_hash = hash_password(PASSWORD)
        make_user(session, "office@example.org", roles=(Role.ADMINISTRATOR,), password=PASSWORD)
        session.commit()
        return {
            "holder": holder.user.email,
            "certificate": holder.certificate.id,
            "number": holder.certificate.number,
            "expires_on": holder.certificate.expires_on,
        }


def sign_in(page: Page, live: str, email: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live}/sign-in?next={quote(next_url)}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def record(page: Page, title: str, unit: str, amount: str, *, technology: bool = False) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Provider").fill("State Library Academy")
    page.get_by_label("Date (the last day, for several days)").fill(
        (clock.today() - timedelta(days=20)).isoformat()
    )
    page.get_by_label("Unit", exact=True).select_option(label=unit)
    page.get_by_label("Amount, in that unit").fill(amount)
    if technology:
        page.get_by_label("It was on technology").check()


def test_the_renewal_cycle_from_the_reminder_to_the_extended_certificate(
    page: Page, live, live_app, mailbox
):
    seed = seeded(live_app)
    with live_app.app_context():
        assert send_renewal_reminders(db.session, clock.today()) == 1
        db.session.commit()
    (reminder,) = [
        m for m in mailbox.to(str(seed["holder"])) if m["Subject"].startswith("Renew your")
    ]
    assert "in about 3 months" in mailbox.body(reminder)
    page.context.clear_cookies()
    page.goto(live + link_in(reminder))  # the sign-in page first, then the link's page
    page.get_by_label("Email address").fill(str(seed["holder"]))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Renew your certificate")
    totals = page.locator("[data-ce-message]")
    expect(totals).to_have_text(
        "0 of 32 contact hours, 0 of at least 4 on technology: 32 more hours and 4 more on "
        "technology to go."
    )
    assert_accessible(page)

    # A bad amount first: the reason, next to the field, and what was typed kept.
    record(page, "Cataloging with RDA", "Semester credits (15 contact hours each)", "-2")
    page.get_by_role("button", name="Add to my log").click()
    expect(page.locator("#ce-amount-error")).to_have_text("Enter a positive amount.")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Cataloging with RDA")
    assert_accessible(page)

    # The totals follow the typing, before anything is saved.
    page.get_by_label("Amount, in that unit").fill("2")
    expect(page.locator("[data-ce-note]")).to_have_text(
        "This activity: 2 semester credits = 30 contact hours."
    )
    expect(totals).to_contain_text("30 of 32 contact hours")
    page.get_by_role("button", name="Add to my log").click()
    expect(page.get_by_text("“Cataloging with RDA” is in your log.")).to_be_visible()

    record(page, "Assistive technology", "Workshop or seminar hours (1 contact hour each)", "4",
           technology=True)  # fmt: skip
    page.get_by_role("button", name="Add to my log").click()
    expect(totals).to_have_text(
        "34 of 32 contact hours, 4 of at least 4 on technology: enough to renew."
    )
    page.get_by_role("button", name="Apply to renew").click()
    expect(page.get_by_text("Your renewal application is with the program office.")).to_be_visible()
    assert_accessible(page)

    # The office reviews each activity and approves.
    sign_in(page, live, "office@example.org", "/admin/")
    page.get_by_role("link", name="Renewals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Renewals")
    assert_accessible(page)
    page.get_by_role("link", name="Every quarter").click()
    page.get_by_role("link", name="In progress: 1").click()
    page.get_by_role("link", name="Application of").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Renewal of certificate {seed['number']}"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Accept Cataloging with RDA").click()
    page.get_by_role("button", name="Accept Assistive technology").click()
    page.get_by_label("Note for the record (optional)").fill("Both activities documented.")
    page.get_by_role("button", name="Approve the renewal").click()
    expect(
        page.get_by_text("The renewal is approved and a new credential is issued.")
    ).to_be_visible()
    new_expiry = add_years(seed["expires_on"], 5)  # type: ignore[arg-type]
    expect(page.get_by_text(f"valid until {format_date(new_expiry)}")).to_be_visible()
    assert_accessible(page)

    # Anyone checking the certificate sees the new date.
    page.goto(f"{live}/certificates/{seed['number']}")
    expect(page.locator(".certificate-status strong")).to_have_text("Valid")
    expect(page.get_by_text(format_date(new_expiry))).to_be_visible()


def test_the_renewal_pages_fit_a_phone(page: Page, live, live_app):
    seed = seeded(live_app)
    page.set_viewport_size({"width": 390, "height": 844})
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    sign_in(page, live, str(seed["holder"]), f"/me/certificates/{seed['certificate']}/renewal")
    record(page, "Cataloging with RDA", "Semester credits (15 contact hours each)", "2")
    page.get_by_role("button", name="Add to my log").click()
    record(page, "Assistive technology", "Conference days (6 contact hours each)", "1",
           technology=True)  # fmt: skip
    page.get_by_role("button", name="Add to my log").click()
    expect(page.get_by_text("“Assistive technology” is in your log.")).to_be_visible()
    page.wait_for_load_state()
    assert page.evaluate(fits)
    page.get_by_role("button", name="Apply to renew").click()
    expect(page.get_by_text("Your renewal application is with the program office.")).to_be_visible()
    page.wait_for_load_state()
    assert page.evaluate(fits)
    sign_in(page, live, "office@example.org", "/admin/renewals?quarter=all&stage=in_progress")
    expect(page.get_by_role("heading", level=1)).to_have_text("Renewals")
    page.wait_for_load_state()  # the style sheet too: before it, a table is as wide as it likes
    assert page.evaluate(fits)
    page.get_by_role("link", name="Application of").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Renewal of certificate")
    page.wait_for_load_state()
    assert page.evaluate(fits)
