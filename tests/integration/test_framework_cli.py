"""`flask frameworks import|export|list`: what an operator sees, and nothing half-written."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from sqlalchemy import func, select

from portfolio.models import Competency, CompetencySet, Framework, RubricDescriptor, RubricLevel
from tests.framework_documents import LSSCP_PATH, lsscp_document, small_document

TABLES = (Framework, CompetencySet, Competency, RubricLevel, RubricDescriptor)


@pytest.fixture
def cli(app, session):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["frameworks", *args])

    return run


def rows(session) -> int:
    return sum(session.scalar(select(func.count()).select_from(t)) for t in TABLES)


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


def test_import_and_publish_the_shipped_file_then_again_is_up_to_date(cli, session):
    first = cli("import", str(LSSCP_PATH), "--publish")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines() == [
        "Created draft lsscp version 1.",
        "Published lsscp version 1.",
    ]
    count = rows(session)
    second = cli("import", str(LSSCP_PATH), "--publish")
    assert second.exit_code == 0
    assert (
        second.stdout.strip()
        == "lsscp version 1 (published) is already up to date; nothing changed."
    )
    assert rows(session) == count


def test_a_changed_file_becomes_a_new_draft_version(cli, session, tmp_path):
    cli("import", str(LSSCP_PATH), "--publish")
    document = lsscp_document()
    document["rules"]["certificate_validity_years"] = 4
    result = cli("import", write(tmp_path, "lsscp.yaml", yaml.safe_dump(document)))
    assert result.exit_code == 0
    assert (
        "Version 1 is published and was not changed; created draft lsscp version 2."
        in result.stdout
    )
    assert session.scalar(select(func.count()).select_from(Framework)) == 2


def test_export_prints_the_file_format_in_yaml_and_json(cli):
    cli("import", str(LSSCP_PATH), "--publish")
    as_yaml = cli("export", "lsscp")
    assert as_yaml.exit_code == 0
    assert yaml.safe_load(as_yaml.stdout) == lsscp_document()
    as_json = cli("export", "lsscp", "--version", "1", "--format", "json")
    assert json.loads(as_json.stdout) == lsscp_document()


def test_export_of_an_unknown_version_fails_clearly(cli):
    cli("import", str(LSSCP_PATH))
    result = cli("export", "lsscp", "--version", "5")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: There is no framework lsscp version 5."


def test_list_shows_versions_and_status(cli):
    assert "No frameworks yet" in cli("list").stdout
    cli("import", str(LSSCP_PATH), "--publish")
    output = cli("list").stdout.splitlines()
    assert output[1].split()[:5] == ["lsscp", "1", "published", "10", "110"]


def import_fails(cli, session, path: str) -> str:
    """Import `path`, expect a one-line error and a non-zero exit, and nothing written."""
    before = rows(session)
    result = cli("import", path)
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert rows(session) == before
    return lines[0]


def test_a_missing_field(cli, session, tmp_path):
    document = lsscp_document()
    del document["sets"][2]["competencies"][0]["code"]
    path = write(tmp_path, "bad.yaml", yaml.safe_dump(document))
    assert import_fails(cli, session, path).endswith("sets[2].competencies[0].code: is required")


def test_a_wrong_type(cli, session, tmp_path):
    document = small_document()
    document["rules"]["electives_required"] = "three"
    path = write(tmp_path, "bad.yaml", yaml.safe_dump(document))
    message = import_fails(cli, session, path)
    assert message.endswith("rules.electives_required: must be a whole number")


def test_duplicate_competency_codes(cli, session, tmp_path):
    document = lsscp_document()
    document["sets"][9]["competencies"][0]["code"] = "COMM-03"
    path = write(tmp_path, "bad.json", json.dumps(document))
    message = import_fails(cli, session, path)
    assert (
        'sets[9].competencies[0].code: "COMM-03" is already used by sets[1].competencies[2]'
        in message
    )


def test_ten_megabytes_of_garbage(cli, session, tmp_path):
    path = write(tmp_path, "garbage.yaml", os.urandom(10 * 1024 * 1024))
    message = import_fails(cli, session, path)
    assert "The file is 10.0 MB; framework files may be at most 5 MB." in message


def test_yaml_that_is_not_a_mapping(cli, session, tmp_path):
    path = write(tmp_path, "text.yaml", "just a sentence\n")
    assert "must hold a mapping of fields" in import_fails(cli, session, path)


def test_yaml_that_is_a_list(cli, session, tmp_path):
    path = write(tmp_path, "list.yaml", "- slug: lsscp\n- version: 1\n")
    assert "it holds a list" in import_fails(cli, session, path)


def test_invalid_yaml_syntax(cli, session, tmp_path):
    path = write(tmp_path, "broken.yaml", "slug: lsscp\nsets: [\n  - code: FOUND\n")
    assert "is not valid YAML" in import_fails(cli, session, path)


def test_a_failed_import_leaves_the_published_version_alone(cli, session, tmp_path):
    cli("import", str(LSSCP_PATH), "--publish")
    session.commit()
    document = lsscp_document()
    document["sets"][0]["kind"] = "elective"  # FOUND is still listed in required_sets
    path = write(tmp_path, "bad.yaml", yaml.safe_dump(document))
    message = import_fails(cli, session, path)
    assert 'rules.required_sets[0]: "FOUND" is an elective set' in message
    assert yaml.safe_load(cli("export", "lsscp").stdout) == lsscp_document()
