"""Schemathesis against the running JSON API (the live server), once with a token of each role:
no server error, and every answer (status, content type, headers, body) as the OpenAPI
document says. Examples are few, so the run stays within seconds. The edits (PUT of an entry's
narrative, of a portfolio's learning statement) are also called by hand, since random ids and
versions rarely make them succeed; tests/integration/test_api*.py check by hand that no role
reads or writes what it must not.

No browser: it runs here because tests/web runs once, in the PostgreSQL pass, and the fuzz
does not depend on the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portfolio.extensions import db
from tests.api_fixtures import api_world
from tests.web.conftest import empty_tables

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Invalid input (negative cases) must still be answered by a documented 4xx problem, never 500.
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
MAX_EXAMPLES = 6
ROLES = ("candidate", "reviewer", "administrator", "supervisor", "provider", None)


@pytest.fixture(scope="module")
def live_world(live_app, live_server) -> Iterator[tuple[dict[str, str], dict[str, dict[str, int]]]]:
    """A world of every role, committed on the live server's database: its tokens (role ->
    token with every scope the role allows, write:portfolio included) and ids (owner -> kind ->
    id); emptied afterwards."""
    limit = live_app.config["API_RATE_LIMIT"]
    per_address = live_app.config["API_ADDRESS_LIMIT"]
    live_app.config["API_RATE_LIMIT"] = "100000 per minute"
    live_app.config["API_ADDRESS_LIMIT"] = "100000 per minute"
    with live_app.app_context():
        world = api_world(db.session)
        db.session.commit()
        made = dict(world.tokens), dict(world.ids)
    yield made
    live_app.config["API_RATE_LIMIT"] = limit
    live_app.config["API_ADDRESS_LIMIT"] = per_address
    empty_tables(db.engine_for(live_app))


@pytest.fixture(scope="module")
def api_tokens(live_world) -> dict[str, str]:
    return live_world[0]


@pytest.fixture(scope="module")
def api_schema(live_server, api_tokens):
    return schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")


def _fuzz(operation, mode: GenerationMode, roles, tokens: dict[str, str], base_url: str) -> None:
    """Send `operation` MAX_EXAMPLES generated requests of `mode`, as each of `roles`."""
    checks = CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def as_each_role(case):  # type: ignore[no-untyped-def]
        for role in roles:
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
            case.call_and_validate(base_url=base_url, headers=headers, checks=checks)

    as_each_role()


def test_the_running_api_matches_its_document_for_every_role(api_schema, api_tokens, live_server):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15  # every operation of the document is fuzzed
    for operation in operations:
        _fuzz(operation, GenerationMode.POSITIVE, ROLES, api_tokens, live_server)
        # Invalid input is refused before any access check: one role is enough for it.
        _fuzz(operation, GenerationMode.NEGATIVE, ("administrator",), api_tokens, live_server)


# What each edit reads and writes: (the GET, the PUT, its id parameter, the world's id kind,
# the body's text field).
EDITS = {
    "narrative": (
        "/api/v1/portfolio/entries/{entry_id}",
        "/api/v1/portfolio/entries/{entry_id}",
        "entry_id",
        "entry",
        "narrative",
    ),
    "learning-statement": (
        "/api/v1/portfolios/{portfolio_id}",
        "/api/v1/portfolios/{portfolio_id}/learning-statement",
        "portfolio_id",
        "portfolio",
        "statement",
    ),
}


def _call(operation, role: str, tokens: dict[str, str], base_url: str, **case):  # type: ignore[no-untyped-def]
    """One request of our making, checked against the document as the fuzzed ones are."""
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    made = operation.Case(**case)
    return made.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)


@pytest.mark.parametrize("edited", list(EDITS))
def test_a_candidate_edits_as_documented_and_nobody_else_can(
    api_schema, live_world, live_server, edited
):
    """Random ids and versions rarely name the candidate's entry or portfolio at its current
    version, so the fuzz above mostly meets 404 and 409: here the edit succeeds, goes stale,
    and is refused to every other role's token (each holds write:portfolio), every answer as
    documented."""
    tokens, ids = live_world
    read_path, edit_path, parameter, kind, field = EDITS[edited]
    named = {parameter: ids["candidate"][kind]}
    read, edit = api_schema[read_path]["GET"], api_schema[edit_path]["PUT"]
    current = _call(read, "candidate", tokens, live_server, path_parameters=named).json()
    body = {field: f"Edited through the API ({edited}).", "version": current["version"]}

    saved = _call(
        edit,
        "candidate",
        tokens,
        live_server,
        path_parameters=named,
        body=body,
        media_type="application/json",
    )
    stale = _call(
        edit,
        "candidate",
        tokens,
        live_server,
        path_parameters=named,
        body=body,
        media_type="application/json",
    )

    assert saved.status_code == 200 and saved.json()["version"] == current["version"] + 1
    assert stale.status_code == 409
    fresh = {field: "Not theirs to write.", "version": saved.json()["version"]}
    for role in ("other", "reviewer", "administrator", "supervisor", "provider"):
        refused = _call(
            edit,
            role,
            tokens,
            live_server,
            path_parameters=named,
            body=fresh,
            media_type="application/json",
        )
        assert refused.status_code == 404, role
    after = _call(read, "candidate", tokens, live_server, path_parameters=named).json()
    assert after == saved.json()
