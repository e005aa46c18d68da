"""The office's appeals list and the committee's queue (one service query): search, the stage
and overdue filters, sort, bounded pages, the same queries for few appeals and many, a clear
400 for what a list does not offer, exports with the filters applied and no formulas, and
neither list for anyone else."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import timedelta

import pytest

from portfolio.domain.appeals.stages import AppealStage, AppealSubject
from portfolio.models import (
    Appeal,
    CertificationDecision,
    DecisionStatus,
    Role,
)
from portfolio.models.base import utcnow
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.integration.test_course_checks import text_of
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_candidate, make_framework

_NUMBERS = itertools.count(10_000)
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
BAD = [
    ("per_page=0", "Rows per page must be a whole number from 1 to 100."),
    ("per_page=-1", "Rows per page must be a whole number from 1 to 100."),
    ("per_page=1000000000", "Rows per page must be a whole number from 1 to 100."),
    ("sort=password_hash", "This list cannot be sorted by “password_hash”."),
    ("order=sideways", "Order must be asc (ascending) or desc (descending)."),
    ("overdue=maybe", "“maybe” is not one of the choices for Next step"),
    ("subject=anything", "“anything” is not one of the choices for Decision appealed"),
]


@pytest.fixture
def framework(session):
    return make_framework(session)


@pytest.fixture
def admin(session):
    return make_user(
        session, "office@example.org", name="Office Person", roles=(Role.ADMINISTRATOR,)
    )


@pytest.fixture
def member(session):
    return make_user(
        session, "member@example.org", name="Committee Member", roles=(Role.COMMITTEE,)
    )


def appeal(session, framework, name, stage="grounds_filed", *, days=0, n=None):
    """An appeal of a "not certified" decision made `days` days ago, at `stage`; its last step
    (grounds filed, office answered) taken that day too."""
    n = n if n is not None else next(_NUMBERS)
    candidate, enrollment = make_candidate(session, framework, email=f"c{n}@example.org", name=name)
    when = utcnow() - timedelta(days=days)
    decision = CertificationDecision(
        enrollment_id=enrollment.id,
        status=DecisionStatus.NOT_CERTIFIED,
        reasons={"summary": "The completion window ended.", "reasons": []},
        decided_at=when,
    )
    session.add(decision)
    session.flush()
    found = Appeal(
        candidate_id=candidate.id,
        subject=AppealSubject.CERTIFICATION,
        decision_id=decision.id,
        decided_on=when.date(),
        stage=AppealStage(stage),
        notice_filed_at=when,
        grounds_filed_at=when if stage != "notice_filed" else None,
        office_answered_at=when if stage in ("with_committee", "upheld", "sent_back") else None,
    )
    session.add(found)
    session.flush()
    return found


def many(session, framework, count, first=100, stage="with_committee"):
    for n in range(first, first + count):
        appeal(session, framework, f"Person {n}", stage, n=n)
    session.commit()


def read_csv(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


@pytest.mark.parametrize("url", ["/admin/appeals", "/committee/"])
@pytest.mark.parametrize(("query", "message"), BAD)
def test_what_an_appeals_list_does_not_offer_is_a_clear_400(
    client, session, admin, member, url, query, message
):
    session.commit()
    login_as(client, admin if url.startswith("/admin") else member)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert message in text_of(response)
    assert client.get(f"{url}?{query}&format=csv").status_code == 400


def test_a_stage_the_committee_list_does_not_offer_is_refused_too(client, session, admin):
    session.commit()
    login_as(client, admin)
    assert "“lapsed-ish” is not one of the choices for Stage" in text_of(
        client.get("/admin/appeals?stage=lapsed-ish")
    )


def test_the_office_filters_by_stage_and_overdue_and_searches(client, session, framework, admin):
    appeal(session, framework, "Ann Answered", "grounds_filed", days=2)  # office due in 28 days
    appeal(session, framework, "Olive Overdue", "grounds_filed", days=31)  # office's day passed
    appeal(session, framework, "Lars Lapsed", "notice_filed", days=31)  # grounds never came
    appeal(session, framework, "Nora Notice", "notice_filed", days=3)
    appeal(session, framework, "Cora Committee", "with_committee", days=40)  # committee late
    session.commit()
    login_as(client, admin)
    page = text_of(client.get("/admin/appeals"))
    assert "Showing 1 to 5 of 5 appeals." in page
    # The stages as the old grouping showed them, with their counts, open steps first.
    assert "Notice of intent filed: waiting for the grounds (1)" in page
    assert "Grounds filed: waiting for the program office (2)" in page
    assert "Lapsed: the grounds were not filed in time (1)" in page
    assert "Overdue: 2" in page
    assert page.index("Nora Notice") < page.index("Ann Answered") < page.index("Cora Committee")
    assert page.index("Cora Committee") < page.index("Lars Lapsed")  # lapsed last

    def names(query):
        shown = text_of(client.get(f"/admin/appeals?{query}"))
        everyone = ["Ann Answered", "Olive Overdue", "Lars Lapsed", "Nora Notice", "Cora Committee"]
        return [name for name in everyone if name in shown]

    assert names("stage=grounds_filed") == ["Ann Answered", "Olive Overdue"]
    assert names("stage=notice_filed") == ["Nora Notice"]
    assert names("stage=lapsed") == ["Lars Lapsed"]
    assert names("overdue=yes") == ["Olive Overdue", "Cora Committee"]
    assert names("overdue=no") == ["Ann Answered", "Lars Lapsed", "Nora Notice"]
    assert names("overdue=yes&stage=with_committee") == ["Cora Committee"]
    assert names("q=olive") == ["Olive Overdue"]
    assert names("subject=set_outcome") == []
    overdue_row = client.get("/admin/appeals?q=olive").get_data(as_text=True)
    due = clock.today() - timedelta(days=1)
    assert "Overdue</strong>" in overdue_row and str(due.year) in overdue_row
    assert "No appeals match “zzz”" in text_of(client.get("/admin/appeals?q=zzz"))


def test_each_candidate_links_to_their_person_page(client, session, framework, admin):
    found = appeal(session, framework, "Ann Answered")
    session.commit()
    login_as(client, admin)
    html = client.get("/admin/appeals").get_data(as_text=True)
    assert f'href="/admin/people/{found.candidate_id}"' in html
    assert f'href="/admin/appeals/{found.id}"' in html


def test_the_office_list_is_sorted_and_paged(client, session, framework, admin):
    many(session, framework, 5)
    login_as(client, admin)
    page = text_of(client.get("/admin/appeals?sort=candidate&order=desc&per_page=2"))
    assert "Showing 1 to 2 of 5 appeals." in page and "Page 1 of 3." in page
    assert page.index("Person 104") < page.index("Person 103") and "Person 102" not in page
    last = text_of(client.get("/admin/appeals?sort=candidate&order=desc&per_page=2&page=3"))
    assert "Showing 5 to 5 of 5 appeals." in last and "Person 100" in last


def test_the_committee_sees_only_appeals_waiting_for_it(client, session, framework, member):
    appeal(session, framework, "Ann Answered", "grounds_filed")
    appeal(session, framework, "Cora Committee", "with_committee", days=40)
    appeal(session, framework, "Carl Current", "with_committee", days=1)
    session.commit()
    login_as(client, member)
    page = text_of(client.get("/committee/"))
    assert "Showing 1 to 2 of 2 appeals waiting for the committee." in page
    assert "Ann Answered" not in page
    assert page.index("Cora Committee") < page.index("Carl Current")  # the longest waiting first
    late = text_of(client.get("/committee/?overdue=yes"))
    assert "Cora Committee" in late and "Carl Current" not in late
    assert "Carl Current" in text_of(client.get("/committee/?q=carl"))
    html = client.get("/committee/").get_data(as_text=True)
    assert "/admin/people/" not in html  # a committee member has no person pages


def test_with_nothing_waiting_the_committee_is_told_so(client, session, member):
    session.commit()
    login_as(client, member)
    assert "No appeal is waiting for the committee." in text_of(client.get("/committee/"))


@pytest.mark.parametrize("url", ["/admin/appeals?per_page=100", "/committee/?per_page=100"])
def test_the_lists_need_the_same_queries_for_few_appeals_and_many(
    app, client, session, framework, admin, member, url
):
    many(session, framework, 1)
    login_as(client, admin if url.startswith("/admin") else member)
    with counting(app) as few:
        assert "Showing 1 to 1 of 1 appeal" in text_of(client.get(url))
    many(session, framework, 20, first=200)
    appeal(session, framework, "Olive Overdue", "with_committee", days=40)
    session.commit()
    with counting(app) as more:
        assert "Showing 1 to 22 of 22 appeals" in text_of(client.get(url))
    assert len(more) == len(few)


def test_the_export_has_the_filtered_rows_and_no_formulas(client, session, framework, admin):
    for n, name in enumerate(HOSTILE):
        appeal(session, framework, name, "with_committee", days=40, n=n)
    appeal(session, framework, "Plain Person", "with_committee", days=1, n=99)
    appeal(session, framework, "Ann Answered", "grounds_filed", n=98)
    session.commit()
    login_as(client, admin)
    response = client.get("/admin/appeals?format=csv&stage=with_committee&per_page=2")
    assert response.is_streamed
    rows = read_csv(response)
    assert rows[0][:3] == ["Appeal", "Candidate", "Email"]
    names = sorted(row[1] for row in rows[1:])
    assert names == sorted(["'" + name for name in HOSTILE] + ["Plain Person"])  # not one page
    page = text_of(client.get("/admin/appeals?stage=with_committee&overdue=yes"))
    overdue = read_csv(client.get("/admin/appeals?format=csv&stage=with_committee&overdue=yes"))
    assert len(overdue) - 1 == len(HOSTILE) and "Showing 1 to 6 of 6 appeals." in page
    assert {row[-1] for row in overdue[1:]} == {"Yes"}
    assert "Plain Person" not in page
    xlsx = client.get("/admin/appeals?format=xlsx&q=plain")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert xlsx.get_data()


def test_the_committee_export_is_its_queue(client, session, framework, member):
    appeal(session, framework, "Ann Answered", "grounds_filed")
    appeal(session, framework, "=Cora Committee", "with_committee", days=40)
    session.commit()
    login_as(client, member)
    rows = read_csv(client.get("/committee/?format=csv"))
    assert [row[1] for row in rows[1:]] == ["'=Cora Committee"]
    assert client.get("/committee/?format=xlsx").status_code == 200


@pytest.mark.parametrize("who", ["candidate", "member"])
@pytest.mark.parametrize("url", ["/admin/appeals", "/admin/appeals?format=csv"])
def test_the_office_list_is_for_administrators_only(client, session, member, who, url):
    casey = make_user(session, "casey@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, casey if who == "candidate" else member)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["candidate", "admin"])
@pytest.mark.parametrize("url", ["/committee/", "/committee/?format=xlsx"])
def test_the_committee_list_is_for_the_committee_only(client, session, admin, who, url):
    casey = make_user(session, "casey@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, casey if who == "candidate" else admin)
    assert client.get(url).status_code == 403


def test_the_filters_agree_with_the_domains_calendar_on_the_boundary_days(
    client, session, framework, admin
):
    """The list's SQL restates the deadlines (domain.appeals): on the last day a step is on
    time, the day after it is late, both ways."""
    from portfolio.domain.appeals.stages import LAPSED, next_step, shown_stage
    from portfolio.services.appeals.files import appeal_dates
    from portfolio.services.programs.versions import load_rules

    rules = load_rules(framework).appeals
    assert rules is not None
    cases = {
        "Gail Grounds": ("notice_filed", rules.grounds_days),
        "Lena Late": ("notice_filed", rules.grounds_days + 1),
        "Otto Ontime": ("grounds_filed", rules.office_response_days),
        "Olga Over": ("grounds_filed", rules.office_response_days + 1),
        "Carl Committee": ("with_committee", rules.committee_days),
        "Cleo Late": ("with_committee", rules.committee_days + 1),
    }
    made = {
        name: appeal(session, framework, name, stage, days=days)
        for name, (stage, days) in cases.items()
    }
    session.commit()
    login_as(client, admin)
    today = clock.today()

    def names(query):
        shown = text_of(client.get(f"/admin/appeals?{query}"))
        return {name for name in cases if name in shown}

    def step_overdue(found):
        step = next_step(found.stage, found.subject, appeal_dates(found), rules, today)
        return step is not None and step.overdue

    overdue = {name for name, found in made.items() if step_overdue(found)}
    lapsed = {
        name
        for name, found in made.items()
        if shown_stage(found.stage, appeal_dates(found), rules, today) == LAPSED
    }
    assert overdue == {"Olga Over", "Cleo Late"} and lapsed == {"Lena Late"}
    assert names("overdue=yes") == overdue
    assert names("overdue=no") == set(cases) - overdue
    assert names("stage=lapsed") == lapsed
    assert names("stage=notice_filed") == {"Gail Grounds"}
