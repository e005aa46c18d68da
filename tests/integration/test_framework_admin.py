"""Administering frameworks in the browser: list, draft editor, publish, new draft, retire."""

from __future__ import annotations

import re

import pytest
import yaml

from portfolio.models import FrameworkStatus, Role
from portfolio.services import audit
from portfolio.services.programs.documents import export_document
from portfolio.services.programs.versions import import_framework, publish_framework
from tests.framework_documents import small_document
from tests.helpers import csrf_token, login_as, make_user


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"')


@pytest.fixture
def admin(client, session):
    user = make_user(session, "admin@example.org", roles=(Role.ADMINISTRATOR,))
    login_as(client, user)
    return user


@pytest.fixture
def draft(session, admin):
    framework = import_framework(session, small_document(sets=3), actor=None).framework
    # Committed (to the test's savepoint): a request answering 4xx rolls back what is pending.
    session.commit()
    return framework


@pytest.fixture
def published(session, draft):
    publish_framework(session, draft, actor=None)
    session.commit()
    return draft


def editor(framework) -> str:
    return f"/admin/frameworks/{framework.id}/"


def post(client, url: str, data: dict, *, page: str, follow: bool = False):
    return client.post(
        url, data={"csrf_token": csrf_token(client, page), **data}, follow_redirects=follow
    )


def test_the_list_shows_every_version_with_its_status(client, session, published):
    import_framework(session, small_document("other"), actor=None)
    page = client.get("/admin/frameworks")
    assert page.status_code == 200
    text = text_of(page)
    assert "Program demo , version 1" in text and "published" in text
    assert "Program other , version 1" in text and "draft" in text


def test_the_draft_editor_shows_forms_and_the_rules_as_yaml(client, draft):
    page = client.get(editor(draft))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="details-name"' in html and 'name="rules-rules"' in html
    textarea = re.search(r'<textarea[^>]*name="rules-rules"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea
    rules_yaml = textarea.group(1).replace("&#34;", '"').replace("&#39;", "'")
    assert yaml.safe_load(rules_yaml) == draft.rules
    assert "Publish this version" in html


def test_saving_name_and_description(client, session, draft):
    response = post(
        client,
        f"{editor(draft)}details",
        {"details-name": "Better name", "details-description": "Clearer."},
        page=editor(draft),
        follow=True,
    )
    assert response.status_code == 200
    assert "Name and description saved." in text_of(response)
    session.refresh(draft)
    assert draft.name == "Better name"


def test_saving_valid_rules(client, session, draft):
    rules = {**draft.rules, "certificate_validity_years": 4}
    response = post(
        client, f"{editor(draft)}rules", {"rules-rules": yaml.safe_dump(rules)}, page=editor(draft)
    )
    assert response.status_code == 302
    session.refresh(draft)
    assert draft.rules["certificate_validity_years"] == 4
    assert "A certificate is valid for 4 years." in text_of(client.get(editor(draft)))


def rules_error(client, draft, text: str):
    response = post(client, f"{editor(draft)}rules", {"rules-rules": text}, page=editor(draft))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="rules-rules-error">(.*?)</p>', html, re.S)
    assert error, "the error is shown next to the rules field"
    return error.group(1).replace("&#34;", '"')


def test_rules_with_a_bad_field_show_the_error_next_to_the_field(client, session, draft):
    rules = {**draft.rules, "review": {**draft.rules["review"], "due_days": "soon"}}
    message = rules_error(client, draft, yaml.safe_dump(rules))
    assert message == "rules.review.due_days: must be a whole number"
    session.refresh(draft)
    assert draft.rules["review"]["due_days"] == 21


def test_rules_that_are_not_yaml_show_the_error(client, draft):
    assert "The rules text is not valid YAML" in rules_error(client, draft, "review: [\n")


def test_rules_that_are_a_list_show_the_error(client, draft):
    assert rules_error(client, draft, "- a\n- b\n") == "rules: must be a mapping"


def test_saving_the_rubric_levels(client, session, draft):
    data = {
        "rubric-met_label": "Achieved",
        "rubric-met_descriptor": "Everything shown.",
        "rubric-partially_met_label": "Partly",
        "rubric-partially_met_descriptor": "",
        "rubric-not_met_label": "Not yet",
        "rubric-not_met_descriptor": "Nothing shown.",
    }
    response = post(client, f"{editor(draft)}rubric", data, page=editor(draft))
    assert response.status_code == 302
    session.refresh(draft)
    levels = [(lv.label, lv.descriptor) for lv in draft.rubric_levels]
    assert levels == [
        ("Achieved", "Everything shown."),
        ("Partly", ""),
        ("Not yet", "Nothing shown."),
    ]


def test_adding_editing_moving_and_removing_a_set(client, session, draft):
    new_url = f"{editor(draft)}sets/new"
    assert client.get(new_url).status_code == 200
    data = {"code": "E9", "name": "Ninth", "kind": "elective", "scope": "Things."}
    response = post(client, new_url, data, page=new_url, follow=True)
    assert "Set E9 added." in text_of(response)
    session.expire_all()
    added = draft.sets[-1]
    assert (added.code, added.name) == ("E9", "Ninth")

    edit_url = f"{editor(draft)}sets/{added.id}/"
    data = {"code": "R9", "name": "Now required", "kind": "required", "scope": ""}
    assert post(client, edit_url, data, page=edit_url).status_code == 302
    move_url = f"{editor(draft)}sets/{added.id}/move"
    assert post(client, move_url, {"direction": "up"}, page=editor(draft)).status_code == 302
    session.expire_all()
    assert [s.code for s in draft.sets] == ["R1", "E2", "R9", "E3"]
    assert draft.rules["required_sets"] == ["R1", "R9"]

    remove_url = f"{editor(draft)}sets/{added.id}/remove"
    assert post(client, remove_url, {}, page=editor(draft)).status_code == 302
    session.expire_all()
    assert [s.code for s in draft.sets] == ["R1", "E2", "E3"]
    assert draft.rules["required_sets"] == ["R1"]


def test_a_duplicate_set_code_is_shown_on_the_form(client, draft):
    url = f"{editor(draft)}sets/new"
    data = {"code": "E2", "name": "Again", "kind": "elective", "scope": ""}
    response = post(client, url, data, page=url)
    assert response.status_code == 422
    assert "Another set already has the code E2." in text_of(response)


def test_a_move_without_a_direction_is_a_bad_request(client, draft):
    url = f"{editor(draft)}sets/{draft.sets[0].id}/move"
    assert post(client, url, {"direction": "sideways"}, page=editor(draft)).status_code == 400


def test_adding_and_editing_a_competency_with_its_own_rubric(client, session, draft):
    competency_set = draft.sets[1]
    new_url = f"{editor(draft)}sets/{competency_set.id}/competencies/new"
    data = {
        "code": "E2-03",
        "title": "Third",
        "description": "Does a third thing.",
        "provisional": "y",
        "rubric_met": "Shows it twice.",
        "rubric_partially_met": "",
        "rubric_not_met": "",
    }
    response = post(client, new_url, data, page=new_url, follow=True)
    assert "Competency E2-03 added." in text_of(response)
    session.expire_all()
    added = competency_set.competencies[-1]
    assert added.provisional and {d.level_key: d.text for d in added.descriptors} == {
        "met": "Shows it twice."
    }
    edit_url = f"{editor(draft)}competencies/{added.id}/"
    page = client.get(edit_url)
    assert "Shows it twice." in page.get_data(as_text=True)
    data = {**data, "title": "Third, renamed", "rubric_met": "", "provisional": ""}
    del data["provisional"]
    assert post(client, edit_url, data, page=edit_url).status_code == 302
    session.expire_all()
    assert (added.title, added.provisional, added.descriptors) == ("Third, renamed", False, [])


def test_a_duplicate_competency_code_is_shown_on_the_form(client, draft):
    url = f"{editor(draft)}sets/{draft.sets[2].id}/competencies/new"
    response = post(client, url, {"code": "R1-02", "title": "Copy"}, page=url)
    assert response.status_code == 422
    assert "R1 already has a competency R1-02" in text_of(response)


def test_moving_and_removing_a_competency(client, session, draft):
    first, _second = draft.sets[0].competencies
    base = f"{editor(draft)}competencies/{first.id}"
    assert (
        post(client, f"{base}/move", {"direction": "down"}, page=editor(draft)).status_code == 302
    )
    assert post(client, f"{base}/remove", {}, page=editor(draft)).status_code == 302
    session.expire_all()
    assert [(c.code, c.position) for c in draft.sets[0].competencies] == [("R1-02", 0)]


def test_publishing_asks_for_confirmation_first(client, session, draft, admin):
    url = f"{editor(draft)}publish"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Publish Program demo, version 1?" in text_of(confirm)
    session.refresh(draft)
    assert draft.status is FrameworkStatus.DRAFT
    response = post(client, url, {}, page=url, follow=True)
    assert "Version 1 is published." in text_of(response)
    session.refresh(draft)
    assert draft.status is FrameworkStatus.PUBLISHED
    event = audit.events_for(session, "framework", draft.id)[-1]
    assert (event.action, event.actor_id) == ("framework.published", admin.id)


def test_an_incomplete_draft_is_not_offered_for_publishing(client, session, draft):
    for competency in list(draft.sets[2].competencies):
        draft.sets[2].competencies.remove(competency)
    session.commit()
    assert "Not ready to publish: sets[2].competencies" in text_of(client.get(editor(draft)))
    url = f"{editor(draft)}publish"
    response = client.post(url, data={"csrf_token": csrf_token(client, editor(draft))})
    assert response.status_code == 422
    session.refresh(draft)
    assert draft.status is FrameworkStatus.DRAFT


def test_a_published_version_is_read_only_with_a_new_draft_button(client, session, published):
    page = client.get(editor(published))
    html = page.get_data(as_text=True)
    assert "read-only" in html and "New draft from this version" in html
    assert 'name="details-name"' not in html
    response = post(client, f"{editor(published)}new-draft", {}, page=editor(published))
    assert response.status_code == 302
    session.expire_all()
    from portfolio.services.programs.queries import get_framework

    new_draft = get_framework(session, "demo", 2)
    assert new_draft.status is FrameworkStatus.DRAFT
    assert response.headers["Location"].endswith(editor(new_draft))
    assert {**export_document(new_draft), "version": 1} == export_document(published)


def test_retiring_asks_for_confirmation(client, session, published):
    url = f"{editor(published)}retire"
    assert "Retire Program demo, version 1?" in text_of(client.get(url))
    assert post(client, url, {}, page=url).status_code == 302
    session.refresh(published)
    assert published.status is FrameworkStatus.RETIRED


READ_ONLY_POSTS = [
    ("details", {"details-name": "X"}),
    ("rules", {"rules-rules": "a: 1"}),
    ("rubric", {"rubric-met_label": "X"}),
    ("sets/new", {"code": "N", "name": "N", "kind": "elective"}),
    ("sets/{set}/", {"code": "N", "name": "N", "kind": "elective"}),
    ("sets/{set}/remove", {}),
    ("sets/{set}/move", {"direction": "down"}),
    ("sets/{set}/competencies/new", {"code": "N-1", "title": "N"}),
    ("competencies/{competency}/", {"code": "N-1", "title": "N"}),
    ("competencies/{competency}/remove", {}),
    ("competencies/{competency}/move", {"direction": "down"}),
    ("publish", {}),
]


def fill(path: str, framework) -> str:
    competency_set = framework.sets[0]
    return path.format(set=competency_set.id, competency=competency_set.competencies[0].id)


@pytest.mark.parametrize("path,data", READ_ONLY_POSTS, ids=[p for p, _ in READ_ONLY_POSTS])
def test_editing_a_published_version_is_a_conflict(client, session, published, path, data):
    before = export_document(published)
    response = post(client, editor(published) + fill(path, published), data, page=editor(published))
    assert response.status_code == 409
    assert "Published versions are read-only; create a new draft" in text_of(response) or (
        path == "publish" and "already published" in text_of(response)
    )
    session.expire_all()
    assert export_document(published) == before


@pytest.mark.parametrize("path", ["sets/new", "sets/{set}/", "competencies/{competency}/"])
def test_edit_forms_of_a_published_version_are_a_conflict(client, published, path):
    assert client.get(editor(published) + fill(path, published)).status_code == 409


def test_retiring_a_draft_is_a_conflict(client, draft):
    assert client.get(f"{editor(draft)}retire").status_code == 409


def test_new_draft_from_a_draft_is_a_conflict(client, draft):
    assert post(client, f"{editor(draft)}new-draft", {}, page=editor(draft)).status_code == 409


@pytest.mark.parametrize(
    "url",
    [
        "/admin/frameworks/999999/",
        "/admin/frameworks/999999/publish",
        "/admin/frameworks/{id}/sets/999999/",
        "/admin/frameworks/{id}/competencies/999999/",
        "/admin/frameworks/{other}/sets/{set}/",
    ],
    ids=["framework", "publish", "set", "competency", "set of another framework"],
)
def test_unknown_frameworks_and_parts_are_not_found(client, session, draft, url):
    other = import_framework(session, small_document("other"), actor=None).framework
    session.commit()
    url = url.format(id=draft.id, other=other.id, set=draft.sets[0].id)
    assert client.get(url).status_code == 404
