"""Importing, exporting, publishing, retiring and copying framework versions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portfolio.domain.errors import Conflict, FrameworkFileError, NotFound
from portfolio.domain.programs.documents import normalise_document
from portfolio.models import (
    AuditEvent,
    Competency,
    CompetencySet,
    Framework,
    FrameworkStatus,
    RubricDescriptor,
    RubricLevel,
)
from portfolio.services import audit
from portfolio.services.programs.documents import export_document
from portfolio.services.programs.versions import (
    ImportOutcome,
    create_draft_from,
    export_framework,
    import_framework,
    load_rules,
    publish_framework,
    retire_framework,
)
from tests.framework_documents import lsscp_document, small_document

TABLES = (Framework, CompetencySet, Competency, RubricLevel, RubricDescriptor)


def row_counts(session) -> dict[str, int]:
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def published(session, document):
    framework = import_framework(session, document, actor=None).framework
    publish_framework(session, framework, actor=None)
    return framework


def test_lsscp_round_trip_import_then_export_gives_the_file_back(session):
    document = lsscp_document()
    result = import_framework(session, document, actor=None)
    assert result.outcome is ImportOutcome.CREATED
    session.expire_all()  # read back from the database, not from the objects just written
    exported = export_framework(session, "lsscp")
    assert exported == normalise_document(document)
    assert exported == document  # the shipped file is already in canonical form
    assert list(exported["rules"])[:3] == ["required_sets", "electives_required", "eligibility"]


def test_import_of_an_export_changes_nothing(session):
    framework = published(session, lsscp_document())
    before = row_counts(session)
    result = import_framework(session, export_document(framework), actor=None)
    assert result.outcome is ImportOutcome.UP_TO_DATE
    assert result.framework is framework
    assert "already up to date" in result.message
    assert row_counts(session) == before


def test_import_writes_sets_competencies_and_rubric(session):
    framework = import_framework(session, lsscp_document(), actor=None).framework
    assert framework.status is FrameworkStatus.DRAFT
    assert [s.code for s in framework.sets][:3] == ["FOUND", "COMM", "TECH"]
    assert sum(len(s.competencies) for s in framework.sets) == 110
    supv = next(s for s in framework.sets if s.code == "SUPV")
    assert [c.provisional for c in supv.competencies][-3:] == [False, True, True]
    found_02 = framework.sets[0].competencies[1]
    assert {d.level_key for d in found_02.descriptors} == {"met", "partially_met", "not_met"}
    assert [lv.label for lv in framework.rubric_levels] == ["Met", "Partially met", "Not met"]
    assert load_rules(framework).certificate_validity_years == 5
    events = audit.events_for(session, "framework", framework.id)
    assert [(e.action, e.details["outcome"]) for e in events] == [("framework.imported", "created")]


def test_importing_over_a_draft_replaces_it(session):
    first = import_framework(session, small_document(sets=3), actor=None).framework
    changed = small_document(sets=2)
    changed["name"] = "Renamed program"
    result = import_framework(session, changed, actor=None)
    assert result.outcome is ImportOutcome.REPLACED_DRAFT
    assert result.framework.id == first.id
    session.expire_all()
    assert export_framework(session, "demo", 1) == normalise_document(changed)
    assert row_counts(session)["CompetencySet"] == 2


def test_importing_changed_content_over_a_published_version_makes_a_new_draft(session):
    original = published(session, small_document())
    before = export_document(original)
    changed = small_document()
    changed["sets"][0]["competencies"][0]["title"] = "A clearer title"
    result = import_framework(session, changed, actor=None)
    assert result.outcome is ImportOutcome.NEW_DRAFT_VERSION
    assert result.framework.version == 2
    assert result.framework.status is FrameworkStatus.DRAFT
    assert "Version 1 is published and was not changed" in result.message
    session.expire_all()
    assert export_framework(session, "demo", 1) == before


def test_reimporting_content_already_held_by_a_later_version_is_up_to_date(session):
    published(session, small_document())
    changed = small_document()
    changed["name"] = "Second edition"
    second = import_framework(session, changed, actor=None).framework
    publish_framework(session, second, actor=None)
    result = import_framework(session, changed, actor=None)  # still says version 1
    assert result.outcome is ImportOutcome.UP_TO_DATE
    assert result.framework.version == 2


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["sets"][1]["competencies"][0].pop("title"),
        lambda d: d.__setitem__("version", "two"),
        lambda d: d["sets"][1]["competencies"][1].__setitem__("code", "R1-01"),
        lambda d: d["rules"]["fees"].pop("currency"),
    ],
    ids=["missing field", "wrong type", "duplicate code", "bad rules"],
)
def test_a_bad_document_writes_nothing(session, breakage):
    before = row_counts(session)
    document = small_document()
    breakage(document)
    with pytest.raises(FrameworkFileError):
        import_framework(session, document, actor=None)
    assert row_counts(session) == before


def test_publishing_keeps_earlier_published_versions_published(session):
    first = published(session, small_document())
    second = create_draft_from(session, first, actor=None)
    publish_framework(session, second, actor=None)
    assert first.status is FrameworkStatus.PUBLISHED
    assert second.status is FrameworkStatus.PUBLISHED and second.published_at is not None
    assert export_framework(session, "demo")["version"] == 2
    actions = [e.action for e in audit.events_for(session, "framework", second.id)]
    assert actions == ["framework.draft_created", "framework.published"]


def test_publishing_twice_is_a_conflict(session):
    framework = published(session, small_document())
    with pytest.raises(Conflict):
        publish_framework(session, framework, actor=None)


def test_an_incomplete_draft_cannot_be_published(session):
    framework = import_framework(session, small_document(), actor=None).framework
    framework.sets[1].competencies.clear()
    session.flush()
    with pytest.raises(FrameworkFileError, match=r"sets\[1\].competencies"):
        publish_framework(session, framework, actor=None)
    assert framework.status is FrameworkStatus.DRAFT


def test_retire_only_a_published_version(session):
    framework = import_framework(session, small_document(), actor=None).framework
    with pytest.raises(Conflict):
        retire_framework(session, framework, actor=None)
    publish_framework(session, framework, actor=None)
    retire_framework(session, framework, actor=None)
    assert framework.status is FrameworkStatus.RETIRED
    count = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "framework.retired")
    )
    assert count == 1


def test_a_new_draft_copies_everything_of_the_published_version(session):
    source = published(session, lsscp_document())
    draft = create_draft_from(session, source, actor=None)
    assert (draft.version, draft.status) == (2, FrameworkStatus.DRAFT)
    copied = export_document(draft)
    assert {**copied, "version": 1} == export_document(source)


def test_a_draft_cannot_be_copied(session):
    draft = import_framework(session, small_document(), actor=None).framework
    with pytest.raises(Conflict):
        create_draft_from(session, draft, actor=None)


def test_export_of_an_unknown_slug_or_version_is_not_found(session):
    import_framework(session, small_document(), actor=None)
    with pytest.raises(NotFound):
        export_framework(session, "nothing")
    with pytest.raises(NotFound):
        export_framework(session, "demo", 9)
