"""The cohorts page: enrollments by the quarter they began in, per program, with totals, in a
fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

from portfolio.models import (
    Certificate,
    CertificationDecision,
    DecisionStatus,
    EnrollmentSet,
    EnrollmentStatus,
    Framework,
    Role,
    Route,
)
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_candidate, make_framework

HEADERS = [
    "Cohort",
    "Enrolled",
    "Active",
    "Certified",
    "Closed",
    "Sets met by portfolio",
    "Sets in review",
    "Median days to certification",
    "Share certified",
]


class Table(HTMLParser):
    """The text of each table row's cells, and the caption."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.caption = ""
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.caption += data


def table_of(page: str) -> Table:
    """The cohorts table: the page's first (the charts' tables come after it)."""
    table = Table()
    table.feed(page.split("</table>")[0] + "</table>")
    return table


class Program:
    def __init__(self, session, framework: Framework) -> None:
        self.session = session
        self.framework = framework
        self.count = 0

    def enroll(
        self,
        enrolled_on: date,
        *,
        status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
        certified_after: int | None = None,
        sets: tuple[str, ...] = (),
    ):
        """An enrollment begun on `enrolled_on`; its sets (CORE, then OTHER) in these statuses;
        certified (decision and certificate) `certified_after` days later if given."""
        self.count += 1
        _candidate, enrollment = make_candidate(
            self.session,
            self.framework,
            email=f"f{self.framework.id}-{self.count}@example.org",
            name=f"Candidate {self.framework.id}-{self.count}",
        )
        enrollment.enrolled_on = enrolled_on
        enrollment.status = status
        for competency_set, set_status in zip(self.framework.sets, sets, strict=False):
            self.session.add(
                EnrollmentSet(
                    enrollment=enrollment,
                    set_id=competency_set.id,
                    route=Route.PORTFOLIO,
                    status=set_status,
                )
            )
        if certified_after is not None:
            issued_on = enrolled_on + timedelta(days=certified_after)
            self.session.add(
                CertificationDecision(
                    enrollment_id=enrollment.id, status=DecisionStatus.CERTIFIED, reasons={}
                )
            )
            self.session.add(
                Certificate(
                    number=f"CERT-{self.framework.id}-{self.count}",
                    enrollment_id=enrollment.id,
                    user_id=enrollment.user_id,
                    framework_id=self.framework.id,
                    issued_on=issued_on,
                    expires_on=issued_on + timedelta(days=5 * 365),
                )
            )
        self.session.flush()
        return enrollment


def two_programs(session) -> tuple[Program, Program]:
    """Test Program (tstp): three enrolled in 2025 Q4 (two certified after 70 and 60 days, one
    closed), two in 2026 Q1 (active, sets in review). Other Program: one in 2026 Q1, certified
    after 10 days."""
    main = Program(session, make_framework(session))
    other_framework = make_framework(session, slug="other")
    other_framework.name = "Other Program"
    other = Program(session, other_framework)
    certified = EnrollmentStatus.CERTIFIED
    main.enroll(date(2025, 11, 10), status=certified, certified_after=70, sets=("met",))
    main.enroll(date(2025, 12, 31), status=certified, certified_after=60, sets=("met",))
    main.enroll(date(2025, 10, 1), status=EnrollmentStatus.CLOSED, sets=("closed_not_met",))
    main.enroll(date(2026, 1, 1), sets=("in_review", "met"))
    main.enroll(date(2026, 3, 31), sets=("submitted", "draft"))
    other.enroll(date(2026, 2, 15), status=certified, certified_after=10, sets=("met",))
    return main, other


def signed_in_admin(client, session):
    admin = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    session.commit()
    login_as(client, admin)
    return admin


def test_cohorts_of_all_programs_newest_first_with_totals(client, session):
    two_programs(session)
    signed_in_admin(client, session)
    response = client.get("/admin/cohorts")
    assert response.status_code == 200
    table = table_of(response.get_data(as_text=True))
    assert table.caption == "Cohorts of all programs, the newest first"
    assert table.rows == [
        HEADERS,
        # Q1 has sets met of both programs (2), and CORE in review and submitted (2).
        ["2026 Q1", "3", "2", "1", "0", "2", "2", "10", "33%"],
        # Certified after 60 and 70 days (one enrolled on 31 December, still Q4): median 65.
        ["2025 Q4", "3", "0", "2", "1", "2", "0", "65", "67%"],
        ["All cohorts", "6", "2", "3", "1", "4", "2", "60", "50%"],
    ]


def test_one_program_across_its_versions(client, session):
    main, _other = two_programs(session)
    newer = make_framework(session, slug="renamed-below")  # always makes version 1
    newer.slug, newer.version = main.framework.slug, 2
    session.flush()
    Program(session, newer).enroll(
        date(2026, 2, 1), status=EnrollmentStatus.CERTIFIED, certified_after=41
    )
    signed_in_admin(client, session)
    response = client.get("/admin/cohorts?program=tstp")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    table = table_of(page)
    assert table.caption == "Cohorts of tstp, the newest first"
    assert table.rows[1:] == [
        ["2026 Q1", "3", "2", "1", "0", "1", "2", "41", "33%"],
        ["2025 Q4", "3", "0", "2", "1", "2", "0", "65", "67%"],
        ["All cohorts", "6", "2", "3", "1", "3", "2", "60", "50%"],
    ]
    assert '<option selected value="tstp">' in page


def test_a_cohort_with_no_one_certified_shows_none(client, session):
    main = Program(session, make_framework(session))
    main.enroll(date(2026, 1, 5), sets=("in_review",))
    main.enroll(date(2026, 1, 6))
    signed_in_admin(client, session)
    table = table_of(client.get("/admin/cohorts?program=tstp").get_data(as_text=True))
    assert table.rows[1] == ["2026 Q1", "2", "2", "0", "0", "0", "1", "None certified", "0%"]


def test_the_program_select_lists_published_programs(client, session):
    two_programs(session)
    signed_in_admin(client, session)
    page = client.get("/admin/cohorts").get_data(as_text=True)
    assert '<label for="program">Program</label>' in page
    assert '<option selected value="">All programs</option>' in page
    assert '<option value="tstp">Test Program (tstp)</option>' in page
    assert '<option value="other">Other Program (other)</option>' in page


def test_no_enrollment_yet(client, session):
    make_framework(session)
    signed_in_admin(client, session)
    response = client.get("/admin/cohorts?program=tstp")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No one has enrolled in this program yet." in page
    assert "<table" not in page


def test_an_unknown_program_is_a_field_error(client, session):
    two_programs(session)
    signed_in_admin(client, session)
    # (A NUL byte never reaches the form: the input guard answers 400 first.)
    for value in ("nope", "x" * 500):
        response = client.get("/admin/cohorts", query_string={"program": value})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert '<a href="#program">Program: Choose a program from the list.</a>' in page
        assert 'id="program-error">Choose a program from the list.</p>' in page
        assert 'aria-invalid="true"' in page
        assert "<table" not in page


def test_the_page_is_for_administrators_only(client, session):
    two_programs(session)
    candidate = make_user(session, "someone@example.org", roles=(Role.CANDIDATE, Role.REVIEWER))
    session.commit()
    login_as(client, candidate)
    response = client.get("/admin/cohorts")
    assert response.status_code == 403
    assert "2026 Q1" not in response.get_data(as_text=True)


def test_the_admin_index_links_to_cohorts(client, session):
    signed_in_admin(client, session)
    page = client.get("/admin/").get_data(as_text=True)
    assert '<a href="/admin/cohorts">Cohorts</a>' in page


def measure(app, client, url: str) -> tuple[int, Table]:
    client.get(url)  # the first request of a signed-in session does extra work
    with counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), table_of(response.get_data(as_text=True))


def test_the_page_costs_the_same_at_2_and_12_enrollments(app, client, session):
    main = Program(session, make_framework(session))
    certified = EnrollmentStatus.CERTIFIED

    def add(n: int) -> None:
        for i in range(n):
            main.enroll(
                date(2024 + i % 3, 1 + (i * 5) % 12, 1 + i),
                status=certified if i % 2 else EnrollmentStatus.ACTIVE,
                certified_after=30 + i if i % 2 else None,
                sets=("met", "in_review"),
            )

    add(2)
    signed_in_admin(client, session)
    urls = ("/admin/cohorts", "/admin/cohorts?program=tstp")
    small = {}
    for url in urls:
        small[url], table = measure(app, client, url)
        assert table.rows[-1][:2] == ["All cohorts", "2"]
    add(10)
    session.commit()
    for url in urls:
        large, table = measure(app, client, url)
        assert table.rows[-1][:2] == ["All cohorts", "12"]
        assert len(table.rows) > 4  # several cohorts now
        assert large == small[url]
    # The filter costs one look-up of the program, no more.
    assert small[urls[1]] == small[urls[0]] + 1


def test_the_cohort_still_enrolling_is_marked(client, session):
    main = Program(session, make_framework(session))
    today = clock.today()
    main.enroll(today)
    main.enroll(date(today.year - 1, 1, 1))
    signed_in_admin(client, session)
    rows = table_of(client.get("/admin/cohorts").get_data(as_text=True)).rows
    quarter = f"{today.year} Q{(today.month - 1) // 3 + 1}"
    assert [row[0] for row in rows[1:]] == [
        f"{quarter} (this quarter)",
        f"{today.year - 1} Q1",
        "All cohorts",
    ]


def test_the_database_works_out_each_months_quarter_as_the_domain_does(session):
    from calendar import monthrange

    from sqlalchemy import Date, literal, select

    from portfolio.domain.reporting.cohorts import quarter_of
    from portfolio.services.reporting.quarters import year_and_quarter

    for month in range(1, 13):
        for day in (date(2025, month, 1), date(2025, month, monthrange(2025, month)[1])):
            year, quarter = session.execute(select(*year_and_quarter(literal(day, Date)))).one()
            assert (year, quarter) == (quarter_of(day).year, quarter_of(day).number), day
