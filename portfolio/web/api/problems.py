"""Errors under /api/v1 as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from flask import Response, json, request
from pydantic import BaseModel, Field

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/v1"
# Each kind of problem is explained on the docs page, where its `type` URI points.
TYPES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    422: "invalid-input",
    429: "too-many-requests",
    500: "server-error",
    503: "unavailable",
}


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = Field(description="A URI that names the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.", ge=400, le=599)
    detail: str = Field(description="What went wrong this time, and what to do about it.")
    field: str | None = Field(default=None, description="The parameter at fault, if one is.")


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


MEANINGS = {
    "bad-request": "A parameter, page size or cursor is not valid; `detail` says which.",
    "unauthorized": "No token, or one that is unknown, expired or revoked.",
    "forbidden": "The token lacks the scope, or your roles do not allow this.",
    "not-found": "Nothing here, or nothing of yours: another person's ids look the same.",
    "method-not-allowed": "Use a method the operation offers: GET reads, PUT edits.",
    "conflict": (
        "What you sent was based on an older version: read the object again, then send your "
        "change with its current `version`. Or its state forbids the change (e.g. a set already "
        "met), or it changed at the same moment; `detail` says which."
    ),
    "too-large": "The request body is larger than the API accepts.",
    "invalid-input": (
        "A value the rules refuse, e.g. a program that does not exist, a narrative or learning "
        "statement too long, or a body field of the wrong type or missing; `field` names it."
    ),
    "too-many-requests": "Past the rate limit of this token; wait for Retry-After seconds.",
    "server-error": "Our fault, and logged; try again later.",
    "unavailable": "The database did not answer; try again in a minute.",
    "error": "Any other problem.",
}


def problem_type(status: int) -> str:
    slug = TYPES.get(status, "error")
    return f"{request.host_url.rstrip('/')}{API_PREFIX}/docs#problem-{slug}"


def problem_response(status: int, title: str, detail: str, field: str | None = None) -> Response:
    body = Problem(
        type=problem_type(status), title=title, status=status, detail=detail, field=field
    )
    response = Response(
        json.dumps(body.model_dump(exclude_none=True)), status=status, mimetype=PROBLEM_TYPE
    )
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="portfolio"'
    return response
