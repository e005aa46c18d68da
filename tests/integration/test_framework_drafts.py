"""Editing draft versions: every change is checked, audited, and refused on published ones."""

from __future__ import annotations

import pytest

from portfolio.domain.errors import Conflict, FrameworkFileError, InvalidInput
from portfolio.services import audit
from portfolio.services.programs import drafts
from portfolio.services.programs.documents import export_document
from portfolio.services.programs.versions import import_framework, publish_framework
from tests.framework_documents import small_document


@pytest.fixture
def draft(session):
    return import_framework(session, small_document(sets=3), actor=None).framework


@pytest.fixture
def published(session, draft):
    publish_framework(session, draft, actor=None)
    return draft


def fields(code="E2-09", **extra):
    return {"code": code, "title": "New one", "description": "Does it.", **extra}


def actions(session, framework):
    return [e.action for e in audit.events_for(session, "framework", framework.id)]


EDITS = {
    "details": lambda s, f: drafts.update_details(s, f, name="X", description="", actor=None),
    "rules": lambda s, f: drafts.update_rules(s, f, dict(f.rules), actor=None),
    "rubric": lambda s, f: drafts.update_rubric_levels(s, f, {"met": ("Met", "")}, None),
    "add set": lambda s, f: drafts.add_set(
        s, f, code="N", name="N", kind="elective", scope="", actor=None
    ),
    "edit set": lambda s, f: drafts.update_set(
        s, f.sets[1], code="E2", name="N", kind="elective", scope="", actor=None
    ),
    "remove set": lambda s, f: drafts.remove_set(s, f.sets[1], None),
    "move set": lambda s, f: drafts.move_set(s, f.sets[1], 1, None),
    "add competency": lambda s, f: drafts.add_competency(s, f.sets[1], fields(), None),
    "edit competency": lambda s, f: drafts.update_competency(
        s, f.sets[1].competencies[0], fields("E2-01"), None
    ),
    "remove competency": lambda s, f: drafts.remove_competency(s, f.sets[1].competencies[0], None),
    "move competency": lambda s, f: drafts.move_competency(s, f.sets[1].competencies[0], 1, None),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_every_edit_of_a_published_version_is_refused(session, published, edit):
    before = export_document(published)
    with pytest.raises(Conflict, match="Published versions are read-only; create a new draft"):
        edit(session, published)
    assert export_document(published) == before


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_every_edit_of_a_draft_is_audited(session, draft, edit):
    edit(session, draft)
    assert len(actions(session, draft)) == 2  # the import, then the edit


def test_details_are_saved_and_checked(session, draft):
    drafts.update_details(session, draft, name="  Better name ", description="New.", actor=None)
    assert (draft.name, draft.description) == ("Better name", "New.")
    with pytest.raises(InvalidInput) as caught:
        drafts.update_details(session, draft, name=" ", description="", actor=None)
    assert caught.value.field == "name"


def test_rules_are_validated_before_they_are_saved(session, draft):
    rules = dict(draft.rules)
    rules["certificate_validity_years"] = 4
    drafts.update_rules(session, draft, rules, actor=None)
    assert draft.rules["certificate_validity_years"] == 4
    broken = {**rules, "review": {**rules["review"], "due_days": "soon"}}
    with pytest.raises(FrameworkFileError, match=r"^rules.review.due_days: must be a whole number"):
        drafts.update_rules(session, draft, broken, actor=None)
    assert draft.rules["review"]["due_days"] == 21


def test_rubric_level_labels_and_default_descriptors(session, draft):
    drafts.update_rubric_levels(
        session, draft, {"met": ("Achieved", "All shown."), "not_met": ("Not yet", "")}, None
    )
    levels = {lv.key: (lv.label, lv.descriptor) for lv in draft.rubric_levels}
    assert levels["met"] == ("Achieved", "All shown.")
    assert levels["not_met"] == ("Not yet", "")
    with pytest.raises(InvalidInput):
        drafts.update_rubric_levels(session, draft, {"excellent": ("Wow", "")}, None)


def test_sets_are_added_at_the_end_and_keep_required_sets_in_step(session, draft):
    added = drafts.add_set(
        session, draft, code="R9", name="Another", kind="required", scope="", actor=None
    )
    assert draft.sets[-1] is added and added.position == 3
    assert draft.rules["required_sets"] == ["R1", "R9"]
    drafts.update_set(session, added, code="R8", name="A", kind="required", scope="", actor=None)
    assert draft.rules["required_sets"] == ["R1", "R8"]
    drafts.update_set(session, added, code="R8", name="A", kind="elective", scope="", actor=None)
    assert draft.rules["required_sets"] == ["R1"]


def test_a_duplicate_set_code_or_bad_kind_is_refused(session, draft):
    with pytest.raises(InvalidInput, match="already has the code E2"):
        drafts.add_set(session, draft, code="E2", name="Dup", kind="elective", scope="", actor=None)
    with pytest.raises(InvalidInput) as caught:
        drafts.add_set(session, draft, code="N1", name="N", kind="optional", scope="", actor=None)
    assert caught.value.field == "kind"
    with pytest.raises(InvalidInput) as caught:
        drafts.add_set(
            session, draft, code="no spaces", name="N", kind="elective", scope="", actor=None
        )
    assert caught.value.field == "code"
    assert len(draft.sets) == 3


def test_removing_a_set_renumbers_the_rest(session, draft):
    drafts.remove_set(session, draft.sets[1], None)
    session.expire_all()
    assert [(s.code, s.position) for s in draft.sets] == [("R1", 0), ("E3", 1)]


def test_moving_sets_and_competencies(session, draft):
    drafts.move_set(session, draft.sets[2], -1, None)
    assert [s.code for s in draft.sets] == ["R1", "E3", "E2"]
    drafts.move_set(session, draft.sets[0], -1, None)  # already first: nothing happens
    assert [s.code for s in draft.sets] == ["R1", "E3", "E2"]
    competencies = draft.sets[0].competencies
    drafts.move_competency(session, competencies[0], 1, None)
    session.expire_all()
    assert [s.code for s in draft.sets] == ["R1", "E3", "E2"]
    assert [c.code for c in draft.sets[0].competencies] == ["R1-02", "R1-01"]


def test_competency_codes_are_unique_across_the_framework(session, draft):
    with pytest.raises(InvalidInput, match="R1 already has a competency R1-01") as caught:
        drafts.add_competency(session, draft.sets[2], fields("R1-01"), None)
    assert caught.value.field == "code"
    assert len(draft.sets[2].competencies) == 2


def test_competency_rubric_descriptors_override_and_clear(session, draft):
    competency = drafts.add_competency(
        session,
        draft.sets[1],
        fields(provisional=True, rubric={"met": "Shows it twice.", "not_met": ""}),
        None,
    )
    assert competency.position == 2 and competency.provisional
    assert {d.level_key: d.text for d in competency.descriptors} == {"met": "Shows it twice."}
    drafts.update_competency(
        session, competency, fields(rubric={"met": "", "partially_met": "Once."}), None
    )
    session.expire_all()
    assert {d.level_key: d.text for d in competency.descriptors} == {"partially_met": "Once."}
    assert not competency.provisional
    with pytest.raises(InvalidInput) as caught:
        drafts.update_competency(session, competency, fields(rubric={"great": "x"}), None)
    assert caught.value.field == "rubric-great"


def test_removing_a_competency_renumbers_the_rest(session, draft):
    competency_set = draft.sets[0]
    drafts.add_competency(session, competency_set, fields("R1-03"), None)
    drafts.remove_competency(session, competency_set.competencies[0], None)
    session.expire_all()
    assert [(c.code, c.position) for c in competency_set.competencies] == [
        ("R1-02", 0),
        ("R1-03", 1),
    ]
