"""The administrators' lists (applications, certificates, decisions): search, filters, sort and
pages of a bounded size, the same query count for few rows and many, and a clear 400 for a
filter, sort or page size the list does not offer."""

from __future__ import annotations

import pytest

from portfolio.models import Role
from tests.helpers import login_as, make_user
from tests.integration.test_certificate_admin import certify
from tests.integration.test_course_checks import text_of
from tests.integration.test_decision_override import not_certified
from tests.integration.test_review_queries import counting
from tests.review_fixtures import make_framework, make_reviewer

LISTS = ("/admin/applications", "/admin/certificates", "/admin/decisions")
# Every paged list, with one filter it offers.
FILTERED = {
    "/admin/applications": "eligibility",
    "/admin/certificates": "status",
    "/admin/decisions": "overridden",
    "/admin/reviews/overdue": "set",
    "/admin/reviews/unassigned": "set",
    "/admin/reviews/reviewers": "status",
    "/admin/appeals": "stage",
    "/admin/renewals": "stage",
    "/admin/course-approvals": "status",
    "/admin/providers": "kind",
    "/admin/courses": "queue",
    "/admin/users": "role",
    "/admin/outbox": "status",
    "/admin/jobs": "job",
}


@pytest.fixture
def admin(client, session):
    user = make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))
    login_as(client, user)
    return user


@pytest.fixture
def framework(session):
    return make_framework(session)


def certify_many(session, framework, admin, names, first=0):
    for n, name in enumerate(names, start=first):
        certify(session, framework, admin, email=f"holder{n}@example.org", name=name)
    session.commit()


@pytest.mark.parametrize("url", FILTERED)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("per_page=0", "Rows per page must be a whole number from 1 to 100."),
        ("per_page=-1", "Rows per page must be a whole number from 1 to 100."),
        ("per_page=1000000000", "Rows per page must be a whole number from 1 to 100."),
        ("page=0", "The page number must be a whole number from 1 to 100,000."),
        ("page=%C2%B2", "The page number must be a whole number from 1 to 100,000."),
        ("sort=password_hash", "This list cannot be sorted by “password_hash”."),
        ("order=sideways", "Order must be asc (ascending) or desc (descending)."),
        ("FILTER=everything", "“everything” is not one of the choices for"),
        ("q=" + "x" * 201, "Search for at most 200 characters."),
    ],
)
def test_what_a_list_does_not_offer_is_a_clear_400(client, admin, url, query, message):
    query = query.replace("FILTER", FILTERED[url])
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert message in text_of(response)


def test_certificates_are_searched_filtered_sorted_and_paged(client, session, admin, framework):
    certify_many(session, framework, admin, ["Ann Archer", "Bo Baker", "Cy Cole", "Di Dunn"])
    page = text_of(client.get("/admin/certificates?sort=holder&order=asc&per_page=3"))
    assert "Showing 1 to 3 of 4 certificates." in page and "Page 1 of 2." in page
    assert page.index("Ann Archer") < page.index("Bo Baker") < page.index("Cy Cole")
    assert "Di Dunn" not in page
    second = text_of(client.get("/admin/certificates?sort=holder&order=asc&per_page=3&page=2"))
    assert "Showing 4 to 4 of 4 certificates." in second and "Di Dunn" in second
    # A page past the end shows the last one, rather than an empty list.
    past = text_of(client.get("/admin/certificates?sort=holder&order=asc&per_page=3&page=99"))
    assert "Showing 4 to 4 of 4 certificates." in past
    found = text_of(client.get("/admin/certificates?q=holder2%40example"))
    assert "Showing 1 to 1 of 1 certificate" in found and "Cy Cole" in found
    assert "No certificates with these filters." in text_of(
        client.get("/admin/certificates?status=revoked")
    )


def test_the_next_page_link_keeps_the_search_and_sort(client, session, admin, framework):
    certify_many(session, framework, admin, ["Ann Archer", "Bo Baker", "Cy Cole"])
    html = client.get("/admin/certificates?sort=holder&order=asc&per_page=2&q=example").text
    args = "q=example&amp;sort=holder&amp;order=asc&amp;per_page=2&amp;page=2"
    assert f'href="/admin/certificates?{args}"' in html


def test_decisions_filter_by_status(client, session, admin, framework):
    certify_many(session, framework, admin, ["Ann Archer"])
    not_certified(session, framework, email="robin@example.org", name="Robin Refused")
    session.commit()
    refused = text_of(client.get("/admin/decisions?status=not_certified"))
    assert "Robin Refused" in refused and "Ann Archer" not in refused
    found = text_of(client.get("/admin/decisions?q=ann"))
    assert "Ann Archer" in found and "Robin Refused" not in found


@pytest.mark.parametrize("url", LISTS)
def test_a_list_needs_the_same_queries_for_few_rows_and_many(
    app, client, session, admin, framework, url
):
    url += "?status=approved&per_page=100" if "applications" in url else "?per_page=100"
    certify_many(session, framework, admin, ["Ann Archer"])
    with counting(app) as few:
        assert "Showing 1 to 1 of 1 " in text_of(client.get(url))
    certify_many(session, framework, admin, [f"Person {n}" for n in range(1, 30)], first=1)
    with counting(app) as many:
        assert "Showing 1 to 30 of 30 " in text_of(client.get(url))
    assert len(many) == len(few)


@pytest.mark.parametrize("url", FILTERED)
def test_lists_are_for_administrators_only(client, session, url):
    login_as(client, make_user(session, "casey@example.org", roles=(Role.CANDIDATE,)))
    assert client.get(url).status_code == 403


def test_reviewers_are_searched_filtered_and_need_the_same_queries_for_many(
    app, client, session, admin
):
    make_reviewer(session, "ruth@example.org", name="Ruth Reader", library="Oak Library")
    session.commit()
    url = "/admin/reviews/reviewers?per_page=100"
    with counting(app) as few:
        assert "Showing 1 to 1 of 1 reviewer." in text_of(client.get(url))
    for n in range(12):
        make_reviewer(session, f"r{n}@example.org", name=f"Reviewer {n}")
    session.commit()
    with counting(app) as many:
        assert "Showing 1 to 13 of 13 reviewers." in text_of(client.get(url))
    assert len(many) == len(few)
    found = text_of(client.get("/admin/reviews/reviewers?q=oak"))
    assert "Ruth Reader" in found and "Reviewer 3" not in found
    assert "No reviewers with these filters." in text_of(
        client.get("/admin/reviews/reviewers?status=inactive")
    )
