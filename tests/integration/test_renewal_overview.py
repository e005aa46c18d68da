"""Administrators see renewals due, in progress, renewed and lapsed per quarter: counts, one
searchable page of rows at a time, and the same number of queries whatever the data."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from portfolio.domain.dates import add_years
from portfolio.domain.renewal.quarters import quarter_of
from portfolio.extensions import db
from portfolio.models import RenewalApplication, RenewalStatus
from portfolio.models.base import utcnow
from tests.helpers import login_as
from tests.renewal_fixtures import TODAY, an_admin, another_holder, holder_in_window


def stage_counts(page: str) -> dict[str, int]:
    return {
        label: int(n) for label, n in re.findall(r">(Due|In progress|Renewed|Lapsed): (\d+)<", page)
    }


def test_each_stage_is_counted_in_the_quarter_of_its_expiry(client, session):
    due = holder_in_window(session, expires_in_days=10)
    quarter = quarter_of(due.certificate.expires_on)
    expiry = due.certificate.expires_on
    in_progress = another_holder(session, due, email="progress@example.org")
    renewed = another_holder(session, due, email="renewed@example.org")
    lapsed = another_holder(session, due, email="lapsed@example.org")
    later = another_holder(session, due, email="later@example.org")
    later.certificate.expires_on = expiry + timedelta(days=200)  # another quarter
    lapsed.certificate.lapsed_on = TODAY
    session.add(
        RenewalApplication(
            certificate_id=in_progress.certificate.id,
            user_id=in_progress.user.id,
            cycle_expires_on=expiry,
            submitted_at=utcnow(),
        )
    )
    session.add(
        RenewalApplication(
            certificate_id=renewed.certificate.id,
            user_id=renewed.user.id,
            cycle_expires_on=expiry,
            submitted_at=utcnow(),
            status=RenewalStatus.APPROVED,
            new_expires_on=add_years(expiry, 5),
        )
    )
    renewed.certificate.expires_on = add_years(expiry, 5)
    session.commit()
    login_as(client, an_admin(session))

    page = client.get(f"/admin/renewals?quarter={quarter.key}").get_data(as_text=True)
    assert stage_counts(page) == {"Due": 1, "In progress": 1, "Renewed": 1, "Lapsed": 1}
    assert quarter.label in page
    assert due.user.email in page and in_progress.user.email not in page
    for stage, person in (
        ("in_progress", in_progress),
        ("renewed", renewed),
        ("lapsed", lapsed),
    ):
        listed = client.get(f"/admin/renewals?quarter={quarter.key}&stage={stage}")
        assert person.user.email in listed.get_data(as_text=True), stage
    every = client.get("/admin/renewals?quarter=all").get_data(as_text=True)
    # Every quarter: the renewed certificate is due again, for its new expiry.
    assert stage_counts(every)["Due"] == 3 and later.user.email in every
    found = client.get(f"/admin/renewals?quarter=all&q={later.certificate.number[:11]}")
    assert later.user.email in found.get_data(as_text=True)
    assert due.user.email not in found.get_data(as_text=True)


def test_the_administration_index_counts_renewals_waiting_for_the_office(client, session):
    due = holder_in_window(session, expires_in_days=200)  # expires in a later quarter
    waiting = another_holder(session, due, email="waiting@example.org")
    asked_for_proof = another_holder(session, due, email="proof@example.org")
    for holder, status in ((waiting, RenewalStatus.SUBMITTED), (asked_for_proof, None)):
        session.add(
            RenewalApplication(
                certificate_id=holder.certificate.id,
                user_id=holder.user.id,
                cycle_expires_on=holder.certificate.expires_on,
                submitted_at=utcnow(),
                status=status or RenewalStatus.PROOF_REQUESTED,
            )
        )
    session.commit()
    login_as(client, an_admin(session))

    index = client.get("/admin/").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">1 waiting for the office</a>', index)
    assert link, "the index does not count the renewal waiting for the office"
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert waiting.user.email in listed and asked_for_proof.user.email in listed
    assert due.user.email not in listed


def test_the_list_pages_and_takes_the_same_queries_for_3_or_30_certificates(app, client, session):
    first = holder_in_window(session, expires_in_days=10)
    login_as(client, an_admin(session))
    url = f"/admin/renewals?quarter={quarter_of(first.certificate.expires_on).key}"

    def queries() -> int:
        statements = []
        engine = db.engine_for(app)

        def count(*_args, **_kwargs):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    for n in range(2):
        another_holder(session, first, email=f"few{n}@example.org")
    few = queries()
    for n in range(27):
        another_holder(session, first, email=f"many{n}@example.org")
    assert queries() == few
    page = client.get(url).get_data(as_text=True)
    assert "Page 1 of 2." in page
    second = client.get(f"{url}&page=2").get_data(as_text=True)
    assert "Page 2 of 2." in second and second.count("<tr>") == 1 + 5  # header and 5 rows
