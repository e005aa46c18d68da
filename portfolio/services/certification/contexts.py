"""The JSON-LD contexts the app signs with, shipped in contexts/ (SOURCES.json says from which
npm package and version each file came, with its SHA-256), and a document loader for pyld that
serves those and nothing else: signing never reaches for the network.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pyld.jsonld import JsonLdError

DIRECTORY = Path(__file__).with_name("contexts")


@cache
def shipped_contexts() -> dict[str, Any]:
    """Context URL -> its document, read once from contexts/ as SOURCES.json lists them."""
    sources = json.loads((DIRECTORY / "SOURCES.json").read_text(encoding="utf-8"))
    return {
        entry["url"]: json.loads((DIRECTORY / entry["file"]).read_text(encoding="utf-8"))
        for entry in sources
    }


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's loader: a shipped context, or JsonLdError for any other URL."""
    document = shipped_contexts().get(url)
    if document is None:
        raise JsonLdError(
            f"Only the shipped JSON-LD contexts can be loaded, not {url}.",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    # "static": pyld keeps the processed context between calls (it never changes), which
    # makes signing several times faster.
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}
