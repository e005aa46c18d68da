"""The routes of Open Badges credentials: the holder's download and wallet address, the public
documents (issuer profile, each credential's id, the status list), who may get what, and a
clear 4xx (never a 500) for anything else. Production refuses to start without a good key."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from portfolio import create_app
from portfolio.extensions import db, limiter
from portfolio.models import IssuedCredential, Role, StatusListCredential
from portfolio.models.base import utcnow
from portfolio.services.certification import certificate_admin, open_badges
from portfolio.services.certification.issuer import new_secret_key
from tests.helpers import login_as, make_user
from tests.integration.test_certificate_admin import certify
from tests.integration.test_get_never_writes import writes_recorded
from tests.review_fixtures import make_framework

UNKNOWN = "1ABCD-EFGH2-3JKMN-4PQRS"  # well formed; never issued
PUBLIC_KEY = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"  # a public key is no secret key
UNKNOWN_ID = "0b5d1f8e-4c2a-4e6b-9a7d-3f1e2c4b5a69"


@pytest.fixture
def admin(session):
    return make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))


@pytest.fixture
def certificate(session, admin):
    issued = certify(session, make_framework(session), admin)
    session.commit()
    return issued


@pytest.fixture
def holder(client, certificate):
    login_as(client, certificate.user)
    return certificate.user


def download_url(number: str) -> str:
    return f"/me/certificates/{number}/credential.json"


def public_path(session, certificate) -> str:
    issued = open_badges.latest_credential(session, certificate)
    return f"/credentials/{issued.public_id}"


def test_the_holder_downloads_their_credential_and_its_id_serves_the_same(
    client, session, certificate, holder
):
    response = client.get(download_url(certificate.number))
    assert response.status_code == 200
    assert response.mimetype == "application/vc"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-{certificate.number}.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    credential = json.loads(response.get_data(as_text=True))
    assert credential["credentialSubject"]["licenseNumber"] == certificate.number
    # The id is a URL a wallet fetches: it serves the very same bytes.
    fetched = client.get(credential["id"].removeprefix("http://localhost"))
    assert fetched.status_code == 200 and fetched.data == response.data
    assert fetched.headers["Access-Control-Allow-Origin"] == "*"  # a web wallet may fetch it
    # Typed in lower case, with spaces: the same certificate.
    typed = certificate.number.lower().replace("-", " ")
    assert client.get(download_url(typed)).data == response.data


def test_the_dashboard_offers_the_download_and_the_wallet_address(
    client, session, certificate, holder
):
    page = client.get("/me/").get_data(as_text=True)
    assert download_url(certificate.number) in page
    assert f"http://localhost{public_path(session, certificate)}" in page


def test_the_public_page_links_the_credential_and_says_what_a_verifier_checks(
    client, session, certificate
):
    page = client.get(f"/certificates/{certificate.number}").get_data(as_text=True)
    assert f'href="http://localhost{public_path(session, certificate)}"' in page
    assert "A verifier, or the holder's wallet, checks four things" in page
    assert 'href="/issuer"' in page and "salted hash" in page
    assert download_url(certificate.number) not in page  # only the holder is offered it
    login_as(client, certificate.user)
    page = client.get(f"/certificates/{certificate.number}").get_data(as_text=True)
    assert download_url(certificate.number) in page


def test_nobody_else_gets_a_holders_credential(client, session, certificate):
    other = make_user(session, "other@example.org", name="Olive Other", roles=(Role.CANDIDATE,))
    session.commit()
    login_as(client, other)
    mine_too = client.get(download_url(certificate.number))
    unknown = client.get(download_url(UNKNOWN))
    assert mine_too.status_code == unknown.status_code == 404
    assert mine_too.json == unknown.json
    assert mine_too.json["message"] == "We could not find that certificate among yours."


def test_signing_in_comes_first(client, certificate):
    response = client.get(download_url(certificate.number))
    assert response.status_code == 302 and "/sign-in" in response.location


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("x", 404),
        ("1ABCD-EFGH2-3JKMN-4PQR!", 404),
        ("9" * 300, 404),
        ("../../etc", 404),
        ("%00", 400),
    ],  # the input guard refuses control characters in any URL
)
def test_a_malformed_number_is_refused(client, holder, number, status):
    assert client.get(download_url(number)).status_code == status


def test_a_revoked_certificate_gives_no_credential(client, session, admin, certificate, holder):
    path = public_path(session, certificate)
    certificate_admin.revoke_certificate(
        session, certificate, actor=admin, reason="Issued in error, sadly.", now=utcnow()
    )
    session.commit()
    for url in (download_url(certificate.number), path):
        response = client.get(url)
        assert response.status_code == 409, url
        assert "no longer valid (Revoked on" in response.json["message"]
    page = client.get("/me/").get_data(as_text=True)
    assert download_url(certificate.number) not in page


def test_an_expired_certificate_gives_no_credential(client, session, certificate, holder):
    certificate.issued_on, certificate.expires_on = date(2019, 3, 4), date(2024, 3, 3)
    session.commit()
    response = client.get(download_url(certificate.number))
    assert response.status_code == 409
    assert "no longer valid (Expired on 4 March 2024)" in response.json["message"]
    assert client.get(public_path(session, certificate)).status_code == 409


def test_a_certificate_without_a_credential_yet_says_so(client, session, certificate, holder):
    for issued in session.scalars(select(IssuedCredential)):
        session.delete(issued)
    session.commit()
    response = client.get(download_url(certificate.number))
    assert response.status_code == 409
    assert "has not been issued yet" in response.json["message"]


@pytest.mark.parametrize("public_id", ["x", UNKNOWN_ID, UNKNOWN_ID.upper(), "a" * 500, "1; DROP"])
def test_unknown_credential_ids_are_not_found(client, certificate, public_id):
    response = client.get(f"/credentials/{public_id}")
    assert response.status_code == 404
    assert response.json["message"] == "We could not find that credential."


@pytest.mark.parametrize(
    "path",
    [
        "/credentials/status/2",
        "/credentials/status/0",
        "/credentials/status/x",
        "/credentials/status/99999999999999",
    ],
)
def test_unknown_status_lists_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_issuer_profile_lists_its_keys(app, client):
    response = client.get("/issuer")
    assert response.status_code == 200
    profile = response.json if response.is_json else json.loads(response.data)
    issuer = app.extensions["credential_issuer"]
    assert profile["id"] == "http://localhost/issuer"
    assert [m["id"] for m in profile["assertionMethod"]] == [k.key_id for k in issuer.keys]
    assert all(m["type"] == "Multikey" for m in profile["assertionMethod"])
    assert "secretKeyMultibase" not in response.get_data(as_text=True)


def test_the_open_badges_gets_write_nothing(client, session, certificate, holder):
    # Nothing stored yet: the list is signed for the answer, and not kept.
    session.execute(delete(StatusListCredential))
    session.commit()
    with writes_recorded(db.engine) as writes:
        for url in (
            "/credentials/status/1",
            "/issuer",
            download_url(certificate.number),
            public_path(session, certificate),
            f"/certificates/{certificate.number}",
            "/me/",
        ):
            assert client.get(url).status_code == 200, url
    assert writes == []
    assert session.scalar(select(func.count()).select_from(StatusListCredential)) == 0


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({}, "set BADGE_SIGNING_KEYS"),
        ({"BADGE_SIGNING_KEYS": "not-a-key"}, "key 1 of 1 is not usable"),
        (
            {"BADGE_SIGNING_KEYS": f"{new_secret_key()}, {PUBLIC_KEY}"},
            "key 2 of 2 is not usable: Expected an Ed25519 secret key (z3u2...), found a "
            "ed25519-pub key",
        ),
        (
            {
                "BADGE_SIGNING_KEYS": new_secret_key(),
                "PUBLIC_BASE_URL": "http://portfolio.example.org",
            },
            "set PUBLIC_BASE_URL to the https address",
        ),
    ],
)
def test_production_refuses_to_start_without_a_good_signing_key(monkeypatch, environment, message):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/portfolio")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portfolio.example.org")
    monkeypatch.delenv("BADGE_SIGNING_KEYS", raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit, match="Refusing to start: ") as refused:
        create_app("production")
    assert message in str(refused.value)


@pytest.fixture
def limits_kept_in_memory():
    """A production app binds the one shared limiter to its Redis (REDIS_URL, which nothing
    serves here): give the limiter back the tests' in-memory storage afterwards."""
    kept = (limiter._storage, limiter._limiter)
    yield
    limiter._storage, limiter._limiter = kept


def test_production_starts_with_rotated_keys_and_the_newest_signs(
    monkeypatch, limits_kept_in_memory
):
    old, new = new_secret_key(), new_secret_key()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/portfolio")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portfolio.example.org/")
    monkeypatch.setenv("BADGE_SIGNING_KEYS", f"{old}\n{new}")
    issuer = create_app("production").extensions["credential_issuer"]
    assert issuer.id == "https://portfolio.example.org/issuer"
    assert len(issuer.keys) == 2 and issuer.signing_key is issuer.keys[1]


def test_development_keeps_its_generated_key_in_the_instance_folder(tmp_path):
    from portfolio.services.certification.issuer import issuer_from_settings

    first = issuer_from_settings({"ENV_NAME": "development"}, tmp_path)
    again = issuer_from_settings({"ENV_NAME": "development"}, tmp_path)
    key_file = tmp_path / "badge-signing-keys"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.public_keys == again.public_keys
    assert first.id == "http://127.0.0.1:5000/issuer"
