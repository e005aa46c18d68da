"""Frameworks as 1EdTech CASE 1.1 packages: exported from the CLI, imported back to exactly the
same framework, and every malformed package refused with where it went wrong."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from portfolio.domain.errors import FrameworkFileError
from portfolio.domain.programs.case import from_case, to_case
from portfolio.services.programs import versions
from tests.framework_documents import lsscp_document
from tests.integration.test_framework_cli import cli, write  # noqa: F401 (cli is a fixture)


def package() -> dict:
    return to_case(lsscp_document(), changed_at="2026-12-02T00:00:00+00:00", adopted=True)


def test_a_package_reads_back_to_the_same_framework():
    document = lsscp_document()
    back = from_case(to_case(document, changed_at="2026-12-02T00:00:00", adopted=True))
    assert back == document


def test_the_package_has_the_case_shape():
    made = package()
    items = made["CFItems"]
    sets = [i for i in items if i["CFItemType"] == "Competency Set"]
    competencies = [i for i in items if i["CFItemType"] == "Competency"]
    assert len(sets) == 10 and len(competencies) == len(items) - 10
    assert {a["associationType"] for a in made["CFAssociations"]} == {"isChildOf"}
    assert len(made["CFAssociations"]) == len(items)
    for identifier in [made["CFDocument"]["identifier"], *(i["identifier"] for i in items)]:
        uuid.UUID(identifier)  # CASE identifiers are UUIDs
    assert package() == made  # the same version always gives the same package


def test_export_then_import_through_the_cli_is_up_to_date(cli, session, tmp_path):  # noqa: F811
    path = write(tmp_path, "lsscp.yaml", json.dumps(lsscp_document()))
    assert cli("import", path).exit_code == 0
    exported = cli("export", "lsscp", "--format", "case")
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["CFDocument"]["title"] == lsscp_document()["name"]
    again = cli("import", write(tmp_path, "lsscp-case.json", exported.output))
    assert again.exit_code == 0 and "already up to date" in again.output.lower()


def _break(change) -> dict:
    made = copy.deepcopy(package())
    change(made)
    return made


def _cycle(made: dict) -> None:
    first_set = made["CFAssociations"][0]["originNodeURI"]
    competency = next(a for a in made["CFAssociations"] if a["destinationNodeURI"] == first_set)
    # The set now hangs from its own competency: round and round.
    made["CFAssociations"][0]["destinationNodeURI"] = competency["originNodeURI"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_cycle, "cycle"),
        (
            lambda m: m["CFAssociations"][0].update(associationType="isBestFriendOf"),
            "is not a CASE association type",
        ),
        (lambda m: m["CFAssociations"].pop(3), "has no parent"),
        (
            lambda m: m["CFAssociations"].append(copy.deepcopy(m["CFAssociations"][3])),
            "second parent",
        ),
        (
            lambda m: m["CFAssociations"][2]["destinationNodeURI"].update(identifier="nowhere"),
            "names no item",
        ),
        (lambda m: m["CFDocument"].pop("extensions"), "no program rules and rubric"),
        (lambda m: m["CFItems"].append(copy.deepcopy(m["CFItems"][0])), "is used twice"),
        (lambda m: m.update(CFItems="many"), "must be a list"),
        (lambda m: m["CFItems"].extend([{}] * 5001), "at most 5,000"),
        (lambda m: m["CFItems"][1].update(fullStatement=""), "must be a non-empty text"),
    ],
)
def test_a_malformed_package_is_refused_with_where(session, change, message):
    with pytest.raises(FrameworkFileError, match=message):
        versions.import_framework(session, _break(change), actor=None)


def test_a_competency_under_a_competency_is_refused(session):
    def deeper(made: dict) -> None:
        competencies = [
            a
            for a in made["CFAssociations"]
            if a["sequenceNumber"]
            and a["destinationNodeURI"]["identifier"] != made["CFDocument"]["identifier"]
        ]
        competencies[1]["destinationNodeURI"] = competencies[0]["originNodeURI"]

    with pytest.raises(FrameworkFileError, match="cannot hold further items"):
        versions.import_framework(session, _break(deeper), actor=None)
