"""Public program pages: published frameworks for everyone, drafts for administrators only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from portfolio.extensions import db
from portfolio.models import Role
from portfolio.services.programs.versions import (
    create_draft_from,
    import_framework,
    publish_framework,
)
from tests.framework_documents import lsscp_document, small_document
from tests.helpers import login_as, make_user


def publish(session, document):
    framework = import_framework(session, document, actor=None).framework
    publish_framework(session, framework, actor=None)
    # Committed (to the test's savepoint): a request answering 4xx rolls back what is pending.
    session.commit()
    return framework


def text_of(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


@pytest.fixture
def lsscp(session):
    return publish(session, lsscp_document())


def test_the_list_shows_the_latest_published_version_of_each_program(client, session, lsscp):
    second = create_draft_from(session, lsscp, actor=None)
    second.name = "LSSC, second edition"
    publish_framework(session, second, actor=None)
    import_framework(session, small_document("hidden"), actor=None)  # a draft only
    page = client.get("/programs/")
    assert page.status_code == 200
    text = text_of(page)
    assert "LSSC, second edition" in text
    assert "10 competency sets, 110 competencies · version 2" in text
    assert "Program hidden" not in text


def test_the_program_page_shows_sets_rubric_and_rules(client, lsscp):
    page = client.get("/programs/lsscp/")
    assert page.status_code == 200
    text = text_of(page)
    assert "Required sets (3)" in text and "Elective sets (7)" in text
    assert "Choose 3 of these 7." in text
    assert "FOUND: Foundations of Library Services required" in text
    assert "12 competencies" in text and "16 competencies" in text
    assert "FOUND-01: The library's purpose" in text
    assert "You need 1,820 hours of library work, paid or unpaid, in the last 5 years." in text
    assert "The fee is $350, or $325 for members of ALA (the American Library Association)." in text
    assert "Partially met" in text and "more or clearer evidence is needed" in text
    # A competency's own descriptors are shown with it.
    assert "Met Applies at least two of these principles" in text
    assert text.index("Required sets (3)") < text.index("FOUND:") < text.index("Elective sets (7)")
    assert text.index("Elective sets (7)") < text.index("ACCESS:") < text.index("YOUTH:")


def test_required_sets_come_first_whatever_their_position(client, session):
    document = small_document(sets=3)
    document["sets"].reverse()  # electives listed before the required set
    publish(session, document)
    text = text_of(client.get("/programs/demo/"))
    assert text.index("R1: Set R1") < text.index("E2: Set E2")


def test_provisional_badges_are_for_administrators_only(client, session, lsscp):
    assert "provisional" not in text_of(client.get("/programs/lsscp/"))
    login_as(client, make_user(session, roles=(Role.ADMINISTRATOR,)))
    text = text_of(client.get("/programs/lsscp/"))
    assert text.count("provisional") == 4
    assert "SUPV-15: To be confirmed provisional" in text


def test_a_draft_is_not_found_for_the_public(client, session):
    import_framework(session, small_document(), actor=None)
    session.commit()
    assert client.get("/programs/demo/").status_code == 404
    assert client.get("/programs/demo/?version=1").status_code == 404


def test_a_draft_version_is_not_found_for_other_roles(client, session, lsscp):
    create_draft_from(session, lsscp, actor=None)
    login_as(client, make_user(session, roles=(Role.CANDIDATE, Role.REVIEWER)))
    session.commit()
    assert client.get("/programs/lsscp/?version=2").status_code == 404
    assert "version 1" in text_of(client.get("/programs/lsscp/")).lower()


def test_administrators_see_drafts(client, session, lsscp):
    draft = create_draft_from(session, lsscp, actor=None)
    draft.name = "Draft edition"
    login_as(client, make_user(session, roles=(Role.ADMINISTRATOR,)))
    page = client.get("/programs/lsscp/?version=2")
    assert page.status_code == 200
    assert "Draft edition" in text_of(page)
    assert "Only administrators can see this version" in text_of(page)
    # Without a version, everyone gets the latest published one.
    assert "Draft edition" not in text_of(client.get("/programs/lsscp/"))


def test_an_older_published_version_stays_visible(client, session, lsscp):
    publish_framework(session, create_draft_from(session, lsscp, actor=None), actor=None)
    assert "Version 1" in text_of(client.get("/programs/lsscp/?version=1"))
    assert "Version 2" in text_of(client.get("/programs/lsscp/"))


@pytest.mark.parametrize(
    "url",
    ["/programs/nothing/", "/programs/lsscp/?version=9", "/programs/lsscp/?version=abc"],
    ids=["unknown slug", "unknown version", "version not a number"],
)
def test_unknown_programs_and_versions_are_not_found(client, lsscp, url):
    page = client.get(url)
    assert page.status_code == 404
    assert "Not found" in text_of(page)


def count_queries(client, url: str) -> int:
    engine = db.engine_for(client.application)
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_queries_per_page_do_not_grow_with_the_framework(client, session):
    small = small_document("small", sets=2, competencies=2)
    large = small_document("large", sets=10, competencies=8)
    large["sets"][3]["competencies"][1]["rubric"] = {"met": "Own text."}
    publish(session, small)
    publish(session, large)
    assert count_queries(client, "/programs/small/") == count_queries(client, "/programs/large/")
    assert count_queries(client, "/programs/") <= 4
