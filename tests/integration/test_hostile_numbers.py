"""Numbers a client made up: ids too large for the database and digits that are not ASCII."""

from __future__ import annotations

import pytest

from portfolio.models import Role
from tests.helpers import csrf_token, login_as, make_user

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/me/portfolio/entries/{HUGE}",
        f"/me/submissions/{HUGE}",
        f"/me/applications/{HUGE}",
        f"/files/{HUGE}",
        f"/review/assignments/{HUGE}",
        f"/admin/frameworks/{HUGE}/",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(client, session, path):
    login_as(
        client,
        make_user(session, roles=(Role.CANDIDATE, Role.REVIEWER, Role.ADMINISTRATOR)),
    )
    response = client.get(path)
    assert response.status_code == 404


def test_a_version_written_in_superscript_digits_is_not_found(client):
    response = client.get("/programs/lsscp/?version=%C2%B2")
    assert response.status_code == 404


def test_a_huge_upload_id_posted_as_json_is_not_found(client, session, signed_in):
    entry = signed_in.portfolio(session).entries[0]
    token = csrf_token(client, f"/me/portfolio/entries/{entry.id}")
    response = client.post(
        f"/me/portfolio/entries/{entry.id}/files",
        json={"upload_id": 10**20},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 404
