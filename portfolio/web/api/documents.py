"""The OpenAPI document (generated from the views) and a docs page drawn from it."""

from __future__ import annotations

from typing import Any

from flask import Response, json, render_template

from portfolio.web.api import bp
from portfolio.web.api.problems import MEANINGS
from portfolio.web.api.spec import openapi_document

METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    return Response(json.dumps(openapi_document()), mimetype="application/json")


@bp.get("/docs")
def docs() -> str:
    """Every operation: its path, summary, scope, parameters, body and answers, and every
    schema."""
    document = openapi_document()
    operations = []
    for path, items in sorted(document["paths"].items()):
        for method in METHODS:
            if method in items:
                operations.append(_operation(path, method, items[method]))
    schemas = document["components"]["schemas"]
    return render_template(
        "api/docs.html",
        document=document,
        operations=operations,
        schemas=sorted(schemas.items()),
        describe=_describe,
        problem_types=sorted(MEANINGS.items()),
    )


def _operation(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    security = operation.get("security", [{"bearerAuth": []}])
    return {
        "id": operation["operationId"],
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "token": "optional" if {} in security else ("none" if not security else "required"),
        "parameters": operation.get("parameters", []),
        "body": _body(operation),
        "responses": sorted(operation.get("responses", {}).items()),
    }


def _body(operation: dict[str, Any]) -> dict[str, str] | None:
    """The request body an operation takes (its media type and schema), or None."""
    for media, content in operation.get("requestBody", {}).get("content", {}).items():
        schema = content.get("schema", {})
        ref = str(schema.get("$ref", ""))
        return {"media": media, "schema": _describe(schema), "anchor": ref.rsplit("/", 1)[-1]}
    return None


def _describe(schema: dict[str, Any]) -> str:
    """A schema in a few words: "integer", "string or null", "list of Application", ..."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_describe(option) for option in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if schema.get("type") == "array":
        return "list of " + _describe(schema.get("items", {}))
    if "const" in schema:
        return repr(schema["const"])
    kind = str(schema.get("type", "any"))
    bounds = []
    if "minimum" in schema:
        bounds.append(f"at least {schema['minimum']}")
    if "maximum" in schema:
        bounds.append(f"at most {schema['maximum']}")
    if "maxLength" in schema:
        bounds.append(f"at most {schema['maxLength']:,} characters")
    if "format" in schema:
        kind += f" ({schema['format']})"
    return kind + (f", {', '.join(bounds)}" if bounds else "")
