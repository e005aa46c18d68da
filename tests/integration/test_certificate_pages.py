"""The public certificate check (no sign-in) and the Certification section of the dashboard."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select

from portfolio.domain.certification.revocation import DEFAULT_PUBLIC_STATEMENT
from portfolio.domain.dates import format_date
from portfolio.extensions import db
from portfolio.models import Application, ApplicationStatus, Certificate, Enrollment
from portfolio.services.certification import evaluation, numbers
from portfolio.web import clock
from tests.helpers import login_as
from tests.integration.test_review_outcomes import world_in_review
from tests.review_fixtures import CANDIDATE_LIBRARY, make_framework, submit

TODAY = clock.today()
UNKNOWN = "1ABCD-EFGH2-3JKMN-4PQRS"  # well formed; the tests never issue it


def certified(session, **fields):
    """A candidate certified through their reviews, the certificate's `fields` then set."""
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "met")
    submit(session, world, b, "met")
    certificate = session.scalar(select(Certificate))
    for name, value in fields.items():
        setattr(certificate, name, value)
    session.commit()
    return world, certificate


def page_of(response) -> str:
    return response.get_data(as_text=True)


def test_a_valid_certificate_shows_what_it_certifies_and_nothing_more(client, session):
    world, certificate = certified(
        session, issued_on=date(2024, 2, 29), expires_on=TODAY + timedelta(days=1)
    )
    response = client.get(f"/certificates/{certificate.number}")
    assert response.status_code == 200
    page = page_of(response)
    assert "Status: <strong>Valid</strong>" in page
    assert "<dt>Holder</dt><dd>Casey Candidate</dd>" in page
    assert "<dt>Program</dt><dd>Test Program</dd>" in page
    assert f"<dt>Certificate number</dt><dd>{certificate.number}</dd>" in page
    assert "<dt>Issued on</dt><dd>29 February 2024</dd>" in page
    tomorrow = TODAY + timedelta(days=1)
    assert f"<dt>Valid until</dt><dd>{tomorrow.day} {tomorrow:%B %Y}</dd>" in page
    for private in (world.candidate.email, CANDIDATE_LIBRARY, "Core skills"):
        assert private not in page
    assert '<meta name="robots" content="noindex">' in page


def test_an_expired_certificate_says_since_when(client, session):
    _world, certificate = certified(
        session, issued_on=date(2020, 3, 4), expires_on=date(2025, 3, 3)
    )
    page = page_of(client.get(f"/certificates/{certificate.number}"))
    assert "Status: <strong>Expired on 4 March 2025</strong>" in page  # 3 March was its last day
    assert "<dt>Valid until</dt><dd>3 March 2025</dd>" in page
    assert "Valid</strong>" not in page


def test_a_revoked_certificate_says_when_in_the_standard_wording_even_once_expired(client, session):
    _world, certificate = certified(
        session,
        expires_on=date(2025, 3, 3),
        revoked_at=datetime(2024, 5, 2, 23, 30, tzinfo=UTC),
        revoked_reason="Issued in error: the course was not verified.",
    )
    response = client.get(f"/certificates/{certificate.number}")
    assert response.status_code == 200
    page = page_of(response)
    assert "Status: <strong>Revoked on 2 May 2024</strong>" in page
    assert DEFAULT_PUBLIC_STATEMENT in page
    assert "the course was not verified" not in page  # the office's reason stays internal
    assert "Expired" not in page


def test_a_revoked_certificate_shows_the_public_statement_and_never_the_reason(client, session):
    _world, certificate = certified(
        session,
        revoked_at=datetime(2026, 5, 2, 9, 0, tzinfo=UTC),
        revoked_reason="Forged transcript; referred to the ethics board, case 2026-17.",
        revoked_public_statement="Revoked at the request of the program office. <b>Ask us</b>.",
    )
    page = page_of(client.get(f"/certificates/{certificate.number}"))
    assert "Revoked at the request of the program office. &lt;b&gt;Ask us&lt;/b&gt;." in page
    for internal in ("Forged", "ethics board", "2026-17", DEFAULT_PUBLIC_STATEMENT):
        assert internal not in page


def test_the_form_takes_a_number_typed_in_lower_case_with_spaces(client, session):
    _world, certificate = certified(session)
    form = page_of(client.get("/certificates"))
    assert '<label for="number">Certificate number</label>' in form
    assert 'method="get"' in form and "csrf_token" not in form
    typed = certificate.number.lower().replace("-", " ")
    response = client.get("/certificates", query_string={"number": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/certificates/{certificate.number}"
    assert "Status: <strong>Valid</strong>" in page_of(client.get(response.headers["Location"]))


def test_a_number_in_the_address_is_read_forgivingly_too(client, session):
    _world, certificate = certified(session)
    squashed = certificate.number.replace("-", "").lower()
    response = client.get(f"/certificates/{squashed[:10]} {squashed[10:]}")
    assert response.status_code == 200
    assert "Status: <strong>Valid</strong>" in page_of(response)


def test_a_malformed_number_gets_the_form_again_with_a_field_error(client, session):
    for response in (
        client.get("/certificates", query_string={"number": "12345"}),
        client.get("/certificates/UUUUU-UUUUU-UUUUU-UUUUU"),
    ):
        assert response.status_code == 422
        page = page_of(response)
        assert '<label for="number">Certificate number</label>' in page
        assert 'aria-invalid="true"' in page
        assert f'id="number-error">{numbers.NUMBER_FORMAT}</p>' in page
    empty = client.get("/certificates", query_string={"number": "  "})
    assert empty.status_code == 422
    assert "Enter the certificate number." in page_of(empty)


def test_an_unknown_number_is_not_found_and_tells_nothing(client, session):
    world, _certificate = certified(session)
    pages = []
    for number in (UNKNOWN, "00000-00000-00000-00000"):
        response = client.get(f"/certificates/{number}")
        assert response.status_code == 404
        page = page_of(response)
        assert "<h1>No certificate has this number</h1>" in page
        for detail in (world.candidate.name, world.candidate.email, "Test Program", "Status:"):
            assert detail not in page
        pages.append(page.replace(number, "NUMBER"))
    assert pages[0] == pages[1]


def test_lookups_are_limited_per_client_address(app, client, session):
    _world, certificate = certified(session)
    for n in range(30):
        walked = f"{n:05d}-00000-00000-00000"
        response = client.get(f"/certificates/{walked}", environ_base={"REMOTE_ADDR": "10.7.0.1"})
        assert response.status_code == 404
    url = f"/certificates/{certificate.number}"
    limited = client.get(url, environ_base={"REMOTE_ADDR": "10.7.0.1"})
    assert limited.status_code == 429
    assert "Too many attempts. Wait a minute, then try again." in page_of(limited)
    assert client.get(url, environ_base={"REMOTE_ADDR": "10.7.0.2"}).status_code == 200


def test_every_page_links_to_the_certificate_check(client, session):
    for path in ("/", "/sign-in", "/certificates"):
        assert '<a href="/certificates">Check a certificate</a>' in page_of(client.get(path))


# The candidate's dashboard


def test_the_dashboard_of_a_certified_candidate_shows_the_certificate(client, session):
    world, certificate = certified(session, issued_on=date(2026, 1, 5), expires_on=date(2099, 1, 4))
    login_as(client, world.candidate)
    page = page_of(client.get("/me/"))
    assert "<h3>Certification</h3>" in page
    assert "<strong>You are certified.</strong>" in page
    assert f"<dt>Certificate number</dt><dd>{certificate.number}</dd>" in page
    assert "<dt>Issued on</dt><dd>5 January 2026</dd>" in page
    assert "<dt>Valid until</dt><dd>4 January 2099</dd>" in page
    link = f'<a href="/certificates/{certificate.number}">Public page of your certificate</a>'
    assert link in page


def test_the_dashboard_says_when_the_certificate_was_revoked(client, session):
    world, _certificate = certified(
        session, revoked_at=datetime(2026, 2, 3, 9, 0, tzinfo=UTC), revoked_reason="In error."
    )
    login_as(client, world.candidate)
    page = page_of(client.get("/me/"))
    assert "no longer valid: Revoked on 3 February 2026." in page
    assert "In error." in page
    assert "<strong>You are certified.</strong>" not in page


def test_the_dashboard_of_an_enrollment_ended_not_certified_gives_the_reasons(client, session):
    world, (a, b) = world_in_review(session)
    submit(session, world, a, "not_met")
    submit(session, world, b, "not_met")
    later = world.enrollment.window_ends_on + timedelta(days=1)
    assert evaluation.decide_expired(session, later) == 1
    session.commit()
    login_as(client, world.candidate)
    page = page_of(client.get("/me/"))
    assert (
        "<strong>Not certified.</strong> The completion window ended with required set "
        "Core skills (CORE) still to be met." in page
    )
    ended = format_date(world.enrollment.window_ends_on)
    assert f"<li>The completion window ended on {ended}</li>" in page
    assert "Not yet certified" not in page


def test_the_dashboard_of_a_candidate_on_the_way_says_what_is_met_and_what_is_not(client, session):
    world, _pair = world_in_review(session)
    session.commit()
    login_as(client, world.candidate)
    page = page_of(client.get("/me/"))
    assert (
        "<strong>Not yet certified.</strong> Still to be met: required set Core skills (CORE)."
        in page
    )
    assert re.search(r"<li>CORE Core skills \(required\): portfolio [a-z ]+</li>", page)
    assert "<li>Electives met: 0 of the 0 required</li>" in page
    assert "Public page of your certificate" not in page


def dashboard_queries(app, client) -> int:
    statements = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.engine_for(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/me/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_certification_takes_the_same_queries_for_one_enrollment_or_two(app, client, session):
    world, _certificate = certified(session)
    login_as(client, world.candidate)
    one = dashboard_queries(app, client)
    other = make_framework(session, slug="other")
    application = Application(
        user_id=world.candidate.id, framework_id=other.id, status=ApplicationStatus.APPROVED
    )
    session.add(application)
    session.flush()
    session.add(
        Enrollment(
            user_id=world.candidate.id,
            framework_id=other.id,
            application_id=application.id,
            enrolled_on=TODAY,
            window_ends_on=TODAY + timedelta(days=365),
        )
    )
    session.commit()
    two = dashboard_queries(app, client)
    assert two == one
    page = page_of(client.get("/me/"))
    assert page.count("<h3>Certification</h3>") == 2
    assert "You are certified." in page and "Not yet certified." in page
