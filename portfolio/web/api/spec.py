"""The OpenAPI 3.1 document, generated from the views by SpecTree (pydantic models for the
query strings and answers), and the answers every operation documents.

Request validation errors become problems (web.api.problems): 400 for a query string, 422 for
a JSON body's fields (400 for a body that is not JSON). An answer that does not match its own
model is a bug, logged and answered as a 500 problem.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from flask import request
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from portfolio.domain.errors import BadRequest, InvalidInput
from portfolio.web.api.problems import PROBLEM_TYPE, Problem

log = logging.getLogger(__name__)

BEARER = "bearerAuth"
OPTIONAL_TOKEN = [{}, {BEARER: []}]


def _first_problem(error: Exception, adapter: Any) -> tuple[str, str]:
    """Where (a dotted path, or "") and what the first validation error says."""
    problems = adapter.validation_errors(error)
    first = problems[0] if problems else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("query",))
    return where[:40], str(first.get("msg", "The request is not valid."))


def _before(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    if error is None:
        return
    where, message = _first_problem(error, adapter)
    raise BadRequest(
        f"The parameter “{where}” is not valid: {message}." if where else message,
        field=where or None,
    )


NOT_JSON = (
    "Send the body as a JSON object (`Content-Type: application/json`) with the fields the "
    "operation lists."
)


def before_body(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """The `before` of an operation that takes a JSON body: 400 when the body is not a JSON
    object at all; 422 naming the first field its model refuses (a wrong type, a missing or
    unknown field, a value out of bounds). Set `validation_error_status=422` beside it, so the
    document says so."""
    if not request.is_json or not isinstance(request.get_json(silent=True), dict):
        raise BadRequest(NOT_JSON)
    if error is None:
        return
    where, message = _first_problem(error, adapter)
    raise InvalidInput(
        f"The field “{where}” is not valid: {message}." if where else message,
        field=where or None,
    )


def _after(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    if error is not None:
        raise RuntimeError(f"{request.path} answered outside its own schema: {error}")


api_spec = SpecTree(
    "flask",
    mode="strict",
    annotations=False,
    title="Portfolio API",
    version="1",
    description=(
        "JSON API: read your data, and edit your portfolio's narratives and learning statement. "
        "Authenticate with a personal access token (`Authorization: Bearer <token>`); each "
        "operation names the scope it needs. Lists page by cursor: pass `next_cursor` as "
        "`cursor`. Edits send the version they were based on: a newer stored version is a 409, "
        "and nothing is written. Errors are RFC 9457 problem details."
    ),
    security_schemes=[
        SecurityScheme(
            name=BEARER,
            data=SecuritySchemeData(
                type=SecureType.HTTP,
                scheme="bearer",
                description="A personal access token, made on your account's tokens page.",
            ),
        ),
    ],
    security={BEARER: []},
    before=_before,
    after=_after,
    validation_error_status=400,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


def answers(
    model: Any, *, public: bool = False, invalid: bool = False, edits: bool = False
) -> Response:
    """The answers of one operation: `model` on success, a problem on each error it can give
    (`invalid`: also 422, a value the rules refuse; `edits`: an operation that changes
    something, also 409 for a stale version or a state that forbids the change, 413 for a body
    over the size limit, and 422)."""
    codes: dict[str, Any] = {"HTTP_200": model, "HTTP_400": Problem, "HTTP_404": Problem}
    if invalid or edits:
        codes["HTTP_422"] = Problem
    if edits:
        codes["HTTP_409"] = Problem
        codes["HTTP_413"] = Problem
    codes["HTTP_429"] = Problem
    codes["HTTP_401"] = Problem  # a token that does not work, even on public operations
    if not public:
        codes["HTTP_403"] = Problem
    return Response(**codes)


def openapi_document() -> dict[str, Any]:
    """The document for the current app (call inside an app context): SpecTree's, with error
    answers declared as application/problem+json."""
    document = copy.deepcopy(api_spec.spec)
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    answer["content"] = {PROBLEM_TYPE: content["application/json"]}
            for parameter in operation.get("parameters", []):
                _not_null(parameter)
    document["servers"] = [{"url": "/"}]
    return document


def _not_null(parameter: dict[str, Any]) -> None:
    """A query parameter is left out, never null: "optional" drops the null choice pydantic
    writes for an optional field."""
    schema = parameter.get("schema", {})
    options = [option for option in schema.get("anyOf", []) if option != {"type": "null"}]
    if "anyOf" in schema and len(options) == 1:
        del schema["anyOf"]
        schema.update(options[0])
    if schema.get("default", 0) is None:
        del schema["default"]
