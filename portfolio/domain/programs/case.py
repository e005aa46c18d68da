"""Frameworks as 1EdTech CASE 1.1 packages (JSON): a CFDocument for the framework version,
a CFItem per competency set ("Competency Set") and per competency ("Competency"), and an
isChildOf CFAssociation from each item to its parent, numbered in order.

What CASE has no field for (the rubric, the program rules, a set being required or elective, a
competency being provisional, its own descriptors) travels in each entity's `extensions`
under "portfolio", so our own export imports back unchanged. Identifiers are UUIDs derived
from the slug, version and codes (uuid5), so exporting the same version twice gives the same
package.

Reading is strict and bounded: at most MAX_ITEMS items and MAX_ASSOCIATIONS associations; every
item has exactly one parent; sets hang from the document and competencies from sets (nothing
deeper); a cycle, an association type CASE does not define, or one pointing at nothing is a
FrameworkFileError naming where it is. CASE's other association types (isRelatedTo,
exactMatchOf...) are known and left aside: they say nothing about the tree.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from portfolio.domain.errors import FrameworkFileError

NAMESPACE = uuid.UUID("5f0c7a3e-8d1b-4b8e-9a57-2f6c1d4e9b20")  # ours, fixed forever
EXTENSION = "portfolio"
SET_TYPE = "Competency Set"
COMPETENCY_TYPE = "Competency"
CHILD_OF = "isChildOf"
KNOWN_ASSOCIATIONS = frozenset(
    {
        CHILD_OF,
        "isPeerOf",
        "isPartOf",
        "exactMatchOf",
        "precedes",
        "isRelatedTo",
        "replacedBy",
        "exemplar",
        "hasSkillLevel",
    }
)
MAX_ITEMS = 5000
MAX_ASSOCIATIONS = 20000


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _node(identifier: str, title: str) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": f"urn:uuid:{identifier}"}


def is_case_package(document: object) -> bool:
    return isinstance(document, Mapping) and "CFDocument" in document


def to_case(document: Mapping[str, Any], *, changed_at: str, adopted: bool) -> dict[str, Any]:
    """The CASE package of a (valid) framework document; `changed_at` an ISO date-time."""
    slug, version = document["slug"], document["version"]
    doc_id = _id(slug, version)
    cf_document = {
        "identifier": doc_id,
        "uri": f"urn:uuid:{doc_id}",
        "creator": document.get("source", {}).get("program", document["name"]),
        "title": document["name"],
        "lastChangeDateTime": changed_at,
        "version": str(version),
        "description": document.get("description", ""),
        "language": "en",
        "adoptionStatus": "Adopted" if adopted else "Draft",
        "extensions": {
            EXTENSION: {
                "slug": slug,
                "version": version,
                "rubric": document["rubric"],
                "rules": document["rules"],
                **({"source": document["source"]} if "source" in document else {}),
            }
        },
    }
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    document_node = _node(doc_id, document["name"])

    def child_of(child: dict[str, str], parent: dict[str, str], number: int) -> None:
        identifier = _id(slug, version, "association", child["identifier"])
        associations.append(
            {
                "identifier": identifier,
                "uri": f"urn:uuid:{identifier}",
                "associationType": CHILD_OF,
                "sequenceNumber": number,
                "originNodeURI": child,
                "destinationNodeURI": parent,
                "CFDocumentURI": document_node,
                "lastChangeDateTime": changed_at,
            }
        )

    for set_number, competency_set in enumerate(document["sets"], start=1):
        set_id = _id(slug, version, "set", competency_set["code"])
        set_extension = {"kind": competency_set["kind"]}
        if "scope" in competency_set:
            set_extension["scope"] = competency_set["scope"]
        items.append(
            {
                "identifier": set_id,
                "uri": f"urn:uuid:{set_id}",
                "fullStatement": competency_set["name"],
                "humanCodingScheme": competency_set["code"],
                "CFItemType": SET_TYPE,
                "lastChangeDateTime": changed_at,
                "extensions": {EXTENSION: set_extension},
            }
        )
        set_node = _node(set_id, competency_set["name"])
        child_of(set_node, document_node, set_number)
        for number, competency in enumerate(competency_set["competencies"], start=1):
            item_id = _id(slug, version, "competency", competency["code"])
            item: dict[str, Any] = {
                "identifier": item_id,
                "uri": f"urn:uuid:{item_id}",
                "fullStatement": competency["title"],
                "humanCodingScheme": competency["code"],
                "CFItemType": COMPETENCY_TYPE,
                "lastChangeDateTime": changed_at,
            }
            if competency.get("description"):
                item["notes"] = competency["description"]
            extension = {k: competency[k] for k in ("provisional", "rubric") if k in competency}
            if extension:
                item["extensions"] = {EXTENSION: extension}
            items.append(item)
            child_of(_node(item_id, competency["title"]), set_node, number)
    return {"CFDocument": cf_document, "CFItems": items, "CFAssociations": associations}


def from_case(package: Any) -> dict[str, Any]:
    """The framework document a CASE package describes (then validated and imported as any
    framework file); FrameworkFileError for anything it cannot be, naming where."""
    if not isinstance(package, Mapping):
        raise FrameworkFileError("A CASE package is a JSON object.")
    cf_document = _mapping(package.get("CFDocument"), "CFDocument")
    items = _list(package.get("CFItems", []), "CFItems", MAX_ITEMS)
    associations = _list(package.get("CFAssociations", []), "CFAssociations", MAX_ASSOCIATIONS)
    ours = _mapping(
        _mapping(cf_document.get("extensions", {}), "CFDocument.extensions").get(EXTENSION),
        f"CFDocument.extensions.{EXTENSION}",
        missing=(
            "This CASE file has no program rules and rubric (CFDocument.extensions.portfolio): "
            "a framework needs both. Export one from Portfolio to see the shape."
        ),
    )
    doc_id = _text(cf_document.get("identifier"), "CFDocument.identifier")
    by_id: dict[str, Mapping[str, Any]] = {}
    for i, item in enumerate(items):
        item = _mapping(item, f"CFItems[{i}]")
        identifier = _text(item.get("identifier"), f"CFItems[{i}].identifier")
        if identifier in by_id or identifier == doc_id:
            raise FrameworkFileError("is used twice", f"CFItems[{i}].identifier")
        by_id[identifier] = item
    parent: dict[str, tuple[str, int, int]] = {}  # child -> (parent, sequence, index)
    for i, association in enumerate(associations):
        where = f"CFAssociations[{i}]"
        association = _mapping(association, where)
        kind = association.get("associationType")
        if kind not in KNOWN_ASSOCIATIONS:
            raise FrameworkFileError(
                f"“{str(kind)[:40]}” is not a CASE association type", f"{where}.associationType"
            )
        if kind != CHILD_OF:
            continue
        child = _node_id(association.get("originNodeURI"), f"{where}.originNodeURI")
        target = _node_id(association.get("destinationNodeURI"), f"{where}.destinationNodeURI")
        if child not in by_id:
            raise FrameworkFileError("names no item of this package", f"{where}.originNodeURI")
        if target != doc_id and target not in by_id:
            raise FrameworkFileError(
                "names no item or document of this package", f"{where}.destinationNodeURI"
            )
        if child in parent:
            raise FrameworkFileError("gives an item a second parent", where)
        sequence = association.get("sequenceNumber", i)
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            raise FrameworkFileError("must be a whole number", f"{where}.sequenceNumber")
        parent[child] = (target, sequence, i)
    _refuse_cycles(parent, doc_id)
    children: dict[str, list[tuple[int, int, str]]] = {}
    for child, (target, sequence, index) in parent.items():
        children.setdefault(target, []).append((sequence, index, child))
    for identifier in by_id:
        if identifier not in parent:
            raise FrameworkFileError(f"item {identifier} has no parent (isChildOf)", "CFItems")
    sets = []
    for _seq, _index, set_id in sorted(children.get(doc_id, [])):
        set_item = by_id[set_id]
        set_extension = _extension(set_item, set_id)
        competencies = []
        for _s, _i, competency_id in sorted(children.get(set_id, [])):
            if competency_id in children:
                raise FrameworkFileError(
                    "has items under it: a competency cannot hold further items",
                    f"CFItems {competency_id}",
                )
            item = by_id[competency_id]
            competency: dict[str, Any] = {
                "code": _text(
                    item.get("humanCodingScheme"), f"CFItems {competency_id}.humanCodingScheme"
                ),
                "title": _text(item.get("fullStatement"), f"CFItems {competency_id}.fullStatement"),
            }
            if item.get("notes"):
                competency["description"] = _text(item["notes"], f"CFItems {competency_id}.notes")
            competency.update(_extension(item, competency_id))
            competencies.append(competency)
        entry: dict[str, Any] = {
            "code": _text(set_item.get("humanCodingScheme"), f"CFItems {set_id}.humanCodingScheme"),
            "name": _text(set_item.get("fullStatement"), f"CFItems {set_id}.fullStatement"),
            "kind": set_extension.get("kind"),
            "competencies": competencies,
        }
        if "scope" in set_extension:
            entry["scope"] = set_extension["scope"]
        sets.append(entry)
    document: dict[str, Any] = {
        "slug": ours.get("slug"),
        "version": ours.get("version"),
        "name": _text(cf_document.get("title"), "CFDocument.title"),
        "rubric": ours.get("rubric"),
        "rules": ours.get("rules"),
        "sets": sets,
    }
    if cf_document.get("description"):
        document["description"] = cf_document["description"]
    if "source" in ours:
        document["source"] = ours["source"]
    return document


def _refuse_cycles(parent: Mapping[str, tuple[str, int, int]], root: str) -> None:
    for start in parent:
        seen = {start}
        node = parent[start][0]
        while node != root:
            if node in seen:
                raise FrameworkFileError(
                    "the isChildOf associations go round in a cycle",
                    f"CFAssociations[{parent[start][2]}]",
                )
            seen.add(node)
            if node not in parent:
                break
            node = parent[node][0]


def _extension(item: Mapping[str, Any], identifier: str) -> dict[str, Any]:
    extensions = item.get("extensions", {})
    if not isinstance(extensions, Mapping):
        raise FrameworkFileError("must be an object", f"CFItems {identifier}.extensions")
    ours = extensions.get(EXTENSION, {})
    if not isinstance(ours, Mapping):
        raise FrameworkFileError(
            "must be an object", f"CFItems {identifier}.extensions.{EXTENSION}"
        )
    return dict(ours)


def _node_id(node: Any, where: str) -> str:
    return _text(_mapping(node, where).get("identifier"), f"{where}.identifier")


def _mapping(value: Any, where: str, missing: str | None = None) -> Mapping[str, Any]:
    if value is None and missing:
        raise FrameworkFileError(missing, where)
    if not isinstance(value, Mapping):
        raise FrameworkFileError("must be an object", where)
    return value


def _list(value: Any, where: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise FrameworkFileError("must be a list", where)
    if len(value) > limit:
        raise FrameworkFileError(f"holds {len(value):,} entries; at most {limit:,} are read", where)
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FrameworkFileError("must be a non-empty text", where)
    return value
