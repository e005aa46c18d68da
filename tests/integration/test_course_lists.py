"""The office's course lists as every admin list: course approvals (and the providers)
searched, filtered, sorted and paged with a bounded page size, a clear 400 for what a list
does not offer, CSV/XLSX of what the filters select with no formulas, administrators only."""

from __future__ import annotations

import csv
import io

import pytest

from portfolio.domain.dates import add_years
from portfolio.models import Provider, ProviderKind, ProviderMember, Role
from portfolio.services.courses import applications, decisions, evaluations
from portfolio.web import clock
from tests.course_fixtures import complete_draft, course_framework, make_admin, make_provider
from tests.helpers import login_as, make_user
from tests.integration.test_course_checks import course_candidate, text_of
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_reviewer

TODAY = clock.today()
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
BAD = [
    ("per_page=0", "Rows per page must be a whole number from 1 to 100."),
    ("per_page=-1", "Rows per page must be a whole number from 1 to 100."),
    ("per_page=1000000000", "Rows per page must be a whole number from 1 to 100."),
    ("sort=password_hash", "This list cannot be sorted by “password_hash”."),
    ("order=sideways", "Order must be asc (ascending) or desc (descending)."),
    ("q=" + "x" * 201, "Search for at most 200 characters."),
]
FILTERED = {"/admin/course-approvals": "status", "/admin/providers": "kind"}


@pytest.fixture
def scene(session):
    framework = course_framework(session)
    provider, member = make_provider(session)
    admin = make_admin(session)
    evaluator = make_reviewer(session, "eve@example.org", name="Eve")
    session.commit()
    return framework, provider, member, admin, evaluator


def submitted(session, scene, title):
    framework, provider, member, _admin, _evaluator = scene
    version = complete_draft(session, provider, member, framework, title=title)
    applications.submit_version(session, version, actor=member, today=TODAY)
    session.commit()
    return version


def read_csv(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


@pytest.mark.parametrize("url", FILTERED)
@pytest.mark.parametrize(("query", "message"), [*BAD, ("FILTER=everything", "“everything”")])
def test_what_a_course_list_does_not_offer_is_a_clear_400(client, scene, url, query, message):
    login_as(client, scene[3])
    query = query.replace("FILTER", FILTERED[url])
    for address in (f"{url}?{query}", f"{url}?{query}&format=csv"):
        response = client.get(address)
        assert response.status_code == 400, address
        assert message in text_of(response)


def test_course_approvals_are_searched_filtered_sorted_and_paged(client, session, scene):
    _framework, _provider, _member, admin, evaluator = scene
    submitted(session, scene, "Alpha Cataloguing")
    being = submitted(session, scene, "Beta Reference")
    evaluations.assign_evaluator(session, being, evaluator_id=evaluator.id, actor=admin)
    approved(session, scene, "Gamma Outreach", on=TODAY)
    login_as(client, admin)
    waiting = text_of(client.get("/admin/course-approvals"))
    assert "Showing 1 to 2 of 2 courses." in waiting
    assert "Alpha Cataloguing" in waiting and "Beta Reference" in waiting
    assert "Gamma Outreach" not in waiting
    assert "Gamma Outreach" in text_of(client.get("/admin/course-approvals?status=approved"))
    evaluated = text_of(client.get("/admin/course-approvals?status=in_review"))
    assert "Beta Reference" in evaluated and "Alpha Cataloguing" not in evaluated
    found = text_of(client.get("/admin/course-approvals?status=approved&q=outreach"))
    assert "Gamma Outreach" in found
    assert "No courses match “outreach”" in text_of(
        client.get("/admin/course-approvals?q=outreach")
    )
    by_set = text_of(client.get("/admin/course-approvals?set=OTHER"))
    assert "No courses with these filters." in by_set
    paged = text_of(client.get("/admin/course-approvals?sort=title&order=desc&per_page=1"))
    assert "Showing 1 to 1 of 2 courses." in paged and "Beta Reference" in paged
    assert "Page 1 of 2." in paged


def approved(session, scene, title, *, on):
    """A version evaluated and approved on the day `on`."""
    _framework, _provider, _member, admin, evaluator = scene
    version = submitted(session, scene, title)
    evaluation = evaluations.assign_evaluator(
        session, version, evaluator_id=evaluator.id, actor=admin
    )
    evaluations.submit_evaluation(
        session,
        evaluation,
        ratings=dict.fromkeys(
            ("coverage", "readings", "instruction", "assessment", "instructors"), "meets"
        ),
        comment="Fine.",
        actor=evaluator,
    )
    decisions.approve(session, version, actor=admin, today=on)
    session.commit()
    return version


def test_an_approval_whose_term_ran_out_is_listed_and_shown_as_ended(client, session, scene):
    lapsed = approved(session, scene, "Old Storytime", on=add_years(TODAY, -10))
    approved(session, scene, "New Storytime", on=TODAY)
    assert lapsed.status.value == "approved"  # nothing marks it: its dates decide
    login_as(client, scene[3])
    current = text_of(client.get("/admin/course-approvals?status=approved"))
    assert "New Storytime" in current and "Old Storytime" not in current
    ended = text_of(client.get("/admin/course-approvals?status=expired"))
    assert "Old Storytime" in ended and "New Storytime" not in ended
    assert "Approval ended: approved" in ended
    rows = read_csv(client.get("/admin/course-approvals?format=csv&status=expired&q=storytime"))
    status = rows[0].index("Status")
    assert [(row[0], row[status]) for row in rows[1:]] == [("Old Storytime", "Approval ended")]
    page = text_of(client.get(f"/admin/course-approvals/{lapsed.id}"))
    assert "Approval ended: approved" in page
    login_as(client, scene[2])  # the provider sees the same
    assert "Approval ended: approved" in text_of(client.get(f"/provider/courses/{lapsed.id}"))
    home = text_of(client.get("/provider/"))
    assert "Approval ended" in home and "Approved " in home  # the new one is still approved
    # Its completions made while it was approved can still be reported: offered, marked ended.
    completions = text_of(client.get(f"/provider/{lapsed.course.provider.slug}/completions"))
    assert "Old Storytime (CORE), approval ended" in completions
    assert "can still be reported for completions made while it was approved" in completions


def test_with_nothing_waiting_the_office_is_told_so(client, scene):
    login_as(client, scene[3])
    assert "No course is waiting for the office." in text_of(client.get("/admin/course-approvals"))


# A course title is stripped when it is saved, so a leading tab or CR never reaches one.
TITLES = HOSTILE[:4]


def test_the_course_export_has_the_filtered_rows_and_no_formulas(client, session, scene):
    for name in TITLES:
        submitted(session, scene, name)
    submitted(session, scene, "Plain Course")
    login_as(client, scene[3])
    response = client.get("/admin/course-approvals?format=csv&per_page=2")
    assert response.is_streamed
    rows = read_csv(response)
    assert rows[0][:3] == ["Course", "Version", "Provider"]
    assert sorted(row[0] for row in rows[1:]) == sorted(
        ["Plain Course", *("'" + name for name in TITLES)]
    )
    plain = read_csv(client.get("/admin/course-approvals?format=csv&q=plain"))
    assert [row[0] for row in plain[1:]] == ["Plain Course"]
    assert read_csv(client.get("/admin/course-approvals?format=csv&status=approved")) == [rows[0]]
    xlsx = client.get("/admin/course-approvals?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert xlsx.get_data()


@pytest.mark.parametrize("url", ["/admin/course-approvals", "/admin/providers"])
@pytest.mark.parametrize("kind", ["", "?format=csv", "?format=xlsx"])
def test_course_lists_are_for_administrators_only(client, session, scene, url, kind):
    login_as(client, scene[2])  # the person acting for the provider
    assert client.get(url + kind).status_code == 403
    casey = make_user(session, "casey@example.org", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, casey)
    assert client.get(url + kind).status_code == 403


def provider(session, name, kind="state_library", n=0):
    made = Provider(name=name, slug=f"provider-{n}", kind=ProviderKind(kind))
    session.add(made)
    session.flush()
    return made


def test_providers_are_searched_filtered_and_paged(client, session, scene):
    _framework, first, member, admin, _evaluator = scene
    provider(session, "North State Library", n=1)
    provider(session, "Valley Community College", "community_college", n=2)
    session.commit()
    login_as(client, admin)
    page = text_of(client.get("/admin/providers?per_page=2"))
    assert "Showing 1 to 2 of 3 providers." in page and "Page 1 of 2." in page
    assert page.index("North State Library") < page.index(first.name)  # by name
    assert "Valley Community College" in text_of(client.get("/admin/providers?per_page=2&page=2"))
    colleges = text_of(client.get("/admin/providers?kind=community_college"))
    assert "Valley Community College" in colleges and "North State Library" not in colleges
    by_member = text_of(client.get(f"/admin/providers?q={member.email}"))
    assert first.name in by_member and "North State Library" not in by_member
    assert "No providers match “zzz”" in text_of(client.get("/admin/providers?q=zzz"))
    html = client.get("/admin/providers").get_data(as_text=True)
    assert f'href="/admin/people/{member.id}"' in html  # each person acting for one


def test_the_providers_list_needs_the_same_queries_for_few_and_many(app, client, session, scene):
    login_as(client, scene[3])
    with counting(app) as few:
        assert "Showing 1 to 1 of 1 provider." in text_of(client.get("/admin/providers"))
    for n in range(1, 12):
        made = provider(session, f"Provider {n}", n=n)
        person = make_user(session, f"p{n}@example.org", name=f"Person {n}")
        session.add(ProviderMember(provider_id=made.id, user_id=person.id))
    session.commit()
    with counting(app) as many:
        assert "Showing 1 to 12 of 12 providers." in text_of(
            client.get("/admin/providers?per_page=100")
        )
    assert len(many) == len(few)


def test_the_providers_export_has_the_filtered_rows_and_no_formulas(client, session, scene):
    for n, name in enumerate(HOSTILE, start=1):
        provider(session, name, n=n)
    provider(session, "Valley Community College", "community_college", n=99)
    session.commit()
    login_as(client, scene[3])
    rows = read_csv(client.get("/admin/providers?format=csv&kind=state_library&per_page=2"))
    assert rows[0] == ["Provider", "Kind", "Website", "Created at", "Acting for it"]
    assert sorted(row[0] for row in rows[1:]) == sorted("'" + name for name in HOSTILE)
    college = read_csv(client.get("/admin/providers?format=csv&q=valley"))
    assert [row[0] for row in college[1:]] == ["Valley Community College"]
    assert client.get("/admin/providers?format=xlsx").status_code == 200


# --- the courses to verify: three queues on one page ------------------------------------------


def typed(session, framework, n, name, course="Cataloguing 101"):
    return course_candidate(session, framework, email=f"t{n}@example.org", name=name, course=course)


def test_the_queues_are_searched_filtered_and_each_paged(client, session, scene):
    framework, _provider, _member, admin, _evaluator = scene
    for n, name in enumerate(["Ann Archer", "Bo Baker", "Cy Cole"]):
        typed(session, framework, n, name)
    typed(session, framework, 9, "Di Dunn", course="Weeding the Collection")
    session.commit()
    login_as(client, admin)
    page = text_of(client.get("/admin/courses?per_page=2&sort=candidate"))
    # Every queue shows its first page, with how many it has.
    assert "No reported completion is waiting." in page
    assert "No transcript is waiting." in page
    assert "Showing 1 to 2 of 4 courses." in page
    assert "Ann Archer" in page and "Bo Baker" in page and "Cy Cole" not in page
    html = client.get("/admin/courses?per_page=2&sort=candidate").get_data(as_text=True)
    args = "queue=typed&amp;sort=candidate&amp;order=asc&amp;per_page=2&amp;page=2"
    assert f'href="/admin/courses?{args}"' in html
    # One queue, page by page.
    second = text_of(client.get("/admin/courses?queue=typed&per_page=2&sort=candidate&page=2"))
    assert "Showing 3 to 4 of 4 courses." in second and "Cy Cole" in second
    shown = client.get("/admin/courses?queue=typed").get_data(as_text=True)
    assert 'id="typed"' in shown and 'id="completions"' not in shown
    assert "Di Dunn" in text_of(client.get("/admin/courses?q=weeding"))
    assert "Ann Archer" not in text_of(client.get("/admin/courses?q=weeding"))
    assert "Ann Archer" in text_of(client.get("/admin/courses?q=t0%40example"))
    assert "No courses with these filters." in text_of(client.get("/admin/courses?set=OTHER"))
    item = typed(session, framework, 20, "Eve Evans")
    session.commit()
    assert f'href="/admin/people/{item.enrollment.user_id}"' in client.get(
        "/admin/courses?q=eve"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [*BAD, ("queue=everything", "“everything” is not one of the choices for Queue")],
)
def test_what_the_courses_page_does_not_offer_is_a_clear_400(client, scene, query, message):
    login_as(client, scene[3])
    for address in (f"/admin/courses?{query}", f"/admin/courses?{query}&format=csv&queue=typed"):
        response = client.get(address)
        assert response.status_code == 400, address
        assert message in text_of(response)


def test_a_queue_downloads_with_the_filters_and_no_formulas(client, session, scene):
    framework = scene[0]
    for n, name in enumerate(HOSTILE):
        typed(session, framework, n, name)
    typed(session, framework, 50, "Plain Person", course="Weeding the Collection")
    session.commit()
    login_as(client, scene[3])
    rows = read_csv(client.get("/admin/courses?format=csv&queue=typed&per_page=2"))
    assert rows[0][:3] == ["Candidate", "Email", "Program"]
    assert sorted(row[0] for row in rows[1:]) == sorted(
        ["Plain Person", *("'" + name for name in HOSTILE)]
    )
    weeding = read_csv(client.get("/admin/courses?format=csv&queue=typed&q=weeding"))
    assert [row[0] for row in weeding[1:]] == ["Plain Person"]
    page = text_of(client.get("/admin/courses?queue=typed&q=weeding"))
    assert "Showing 1 to 1 of 1 course " in page
    for queue in ("completions", "transcripts"):
        empty = read_csv(client.get(f"/admin/courses?format=csv&queue={queue}"))
        assert len(empty) == 1 and empty[0][0] == "Candidate"
    xlsx = client.get("/admin/courses?format=xlsx&queue=typed")
    assert xlsx.status_code == 200 and xlsx.get_data()
    # A download is of one queue: which one must be said.
    nothing = client.get("/admin/courses?format=csv")
    assert nothing.status_code == 400 and "Choose the queue to download" in text_of(nothing)


@pytest.mark.parametrize("kind", ["", "?format=csv&queue=typed", "?format=xlsx&queue=completions"])
def test_the_courses_to_verify_are_for_administrators_only(client, session, scene, kind):
    login_as(client, scene[2])
    assert client.get("/admin/courses" + kind).status_code == 403
