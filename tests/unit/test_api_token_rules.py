"""The rules of personal access tokens (domain.accounts.api_tokens): plain values, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portfolio.domain.accounts.api_tokens import (
    LAST_USED_PRECISION,
    MAX_TOKENS_PER_PERSON,
    Scope,
    allowed_scopes,
    check_new_token,
    fingerprint,
    last_use_is_stale,
    looks_like_token,
    offered_scopes,
    same_fingerprint,
    usable_scopes,
)
from portfolio.domain.errors import InvalidInput

OWN = {
    Scope.READ_APPLICATIONS,
    Scope.READ_ENROLLMENTS,
    Scope.READ_PORTFOLIO,
    Scope.WRITE_PORTFOLIO,  # one's own narratives and statement, like the pages: no role needed
    Scope.READ_CERTIFICATION,
}


@pytest.mark.parametrize(
    "roles, expected",
    [
        ((), OWN),
        (("candidate",), OWN),
        (("reviewer",), OWN | {Scope.READ_REVIEWS}),
        (("administrator",), OWN | {Scope.READ_REPORTS}),
        (("supervisor", "provider"), OWN),
    ],
)
def test_each_role_allows_its_scopes(roles, expected):
    assert allowed_scopes(roles) == expected


def test_a_new_token_is_cleaned_and_checked():
    name, scopes = check_new_token(
        "  my \u202escript ", ["read:portfolio", "read:applications"], 30, ["candidate"], 0
    )
    assert name == "my script"  # without the right-to-left override, which reversed it
    assert scopes == [Scope.READ_APPLICATIONS, Scope.READ_PORTFOLIO]  # in a fixed order


@pytest.mark.parametrize(
    "name, scopes, days, roles, existing, field",
    [
        ("", ["read:portfolio"], 30, [], 0, "name"),
        ("x" * 101, ["read:portfolio"], 30, [], 0, "name"),
        ("ok", [], 30, [], 0, "scopes"),
        ("ok", ["write:everything"], 30, [], 0, "scopes"),
        ("ok", ["read:reports"], 30, ["candidate", "reviewer"], 0, "scopes"),
        ("ok", ["read:portfolio"], 0, [], 0, "lifetime"),
        ("ok", ["read:portfolio"], 10**9, [], 0, "lifetime"),
        ("ok", ["read:portfolio"], 30, [], MAX_TOKENS_PER_PERSON, "name"),
    ],
)
def test_a_token_beyond_the_rules_is_refused(name, scopes, days, roles, existing, field):
    with pytest.raises(InvalidInput) as refused:
        check_new_token(name, scopes, days, roles, existing)
    assert refused.value.field == field


def test_the_write_scope_is_offered_beside_the_read_of_the_portfolio():
    offered = [info.scope for info in offered_scopes(["candidate"])]
    assert offered.index(Scope.WRITE_PORTFOLIO) == offered.index(Scope.READ_PORTFOLIO) + 1
    labels = {info.scope: info.label for info in offered_scopes([])}
    assert labels[Scope.WRITE_PORTFOLIO] == (
        "Edit your portfolio's narratives and learning statement"
    )
    _name, chosen = check_new_token("sync", ["write:portfolio"], 30, [], 0)
    assert chosen == [Scope.WRITE_PORTFOLIO]


def test_a_token_loses_a_scope_with_the_role_behind_it():
    granted = ["read:reports", "read:applications", "read:unknown"]
    assert usable_scopes(granted, ["administrator"]) == {
        Scope.READ_REPORTS,
        Scope.READ_APPLICATIONS,
    }
    assert usable_scopes(granted, []) == {Scope.READ_APPLICATIONS}
    # A scope that needs no role survives losing every role; one never granted never appears.
    assert usable_scopes(["write:portfolio"], []) == {Scope.WRITE_PORTFOLIO}
    assert Scope.WRITE_PORTFOLIO not in usable_scopes(granted, ["administrator"])


def test_only_the_digest_is_compared():
    token = "pat_" + "a" * 43
    assert len(fingerprint(token)) == 64 and fingerprint(token) != token
    assert same_fingerprint(fingerprint(token), token)
    assert not same_fingerprint(fingerprint(token), token + "b")
    assert looks_like_token(token)
    assert not looks_like_token("a" * 47) and not looks_like_token("pat_short")
    assert not looks_like_token("pat_" + "é" * 40)


def test_the_last_use_is_written_at_most_once_per_precision():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert last_use_is_stale(None, now)
    assert not last_use_is_stale(now - LAST_USED_PRECISION + timedelta(seconds=1), now)
    assert last_use_is_stale(now - LAST_USED_PRECISION, now)
