"""Open Badges 3.0 credentials checked by an independent implementation: Digital Bazaar's vc
libraries with the eddsa-rdfc-2022 cryptosuite and the bitstring status list, under Node, fed
only the documents the app serves (its issuer profile, the status list, the credentials).

One verifier run checks every case: a good credential passes, and so does a reinstated one; one
character changed, a revoked certificate and an expired one each fail; the status list itself
verifies; a credential signed before a key rotation still verifies from the profile that keeps
the old key.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portfolio.domain.certification.status_list import decode_list
from portfolio.models import AuditEvent, Certificate, IssuedCredential, Role
from portfolio.models.base import utcnow
from portfolio.services.certification import certificate_admin, open_badges
from portfolio.services.certification.issuer import issuer_from_settings, new_secret_key
from portfolio.services.certification.signing import verify as python_verify
from tests import credential_verifier
from tests.helpers import make_user
from tests.integration.test_certificate_admin import certify
from tests.review_fixtures import make_framework

REASON = "Issued in error: the course was never verified."


def served(client, url: str) -> dict:
    response = client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200, (url, response.status_code)
    return json.loads(response.get_data(as_text=True))


def credential_of(session, certificate) -> dict:
    issued = open_badges.latest_credential(session, certificate)
    assert issued is not None
    return open_badges.parsed(issued)


@pytest.fixture
def admin(session):
    return make_user(session, "admin@example.org", name="Ada Admin", roles=(Role.ADMINISTRATOR,))


def test_an_independent_verifier_accepts_good_credentials_and_refuses_bad_ones(
    app, client, session, admin, monkeypatch
):
    framework = make_framework(session)
    good = certify(session, framework, admin)
    revoked = certify(session, framework, admin, email="rory@example.org", name="Rory Revoked")
    expired = certify(session, framework, admin, email="eli@example.org", name="Eli Expired")
    certificate_admin.revoke_certificate(session, revoked, actor=admin, reason=REASON, now=utcnow())
    # Revoked, then reinstated: its bit is clear again.
    back = certify(session, framework, admin, email="ray@example.org", name="Ray Reinstated")
    certificate_admin.revoke_certificate(session, back, actor=admin, reason=REASON, now=utcnow())
    certificate_admin.reinstate_certificate(
        session, back, actor=admin, reason="Revoked by mistake.", now=utcnow()
    )
    # An old certificate: its credential (signed again here) ended on its last valid day.
    expired.issued_on, expired.expires_on = date(2019, 3, 4), date(2024, 3, 3)
    issuer = app.extensions["credential_issuer"]
    open_badges.issue_credential(session, expired, issuer, utcnow())

    # A rotation: a new key is added after the old one; the newest signs from now on.
    rotated = replace(
        issuer,
        keys=issuer.keys
        + issuer_from_settings(
            {"ENV_NAME": "testing", "BADGE_SIGNING_KEYS": new_secret_key()}, app.instance_path
        ).keys,
    )
    monkeypatch.setitem(app.extensions, "credential_issuer", rotated)
    after_rotation = certify(
        session, framework, admin, email="nina@example.org", name="Nina Newkey"
    )
    session.commit()

    credentials = {
        "good": served(client, credential_of(session, good)["id"]),
        "revoked": credential_of(session, revoked),
        "expired": credential_of(session, expired),
        "reinstated": served(client, credential_of(session, back)["id"]),
        "signed_by_the_old_key": served(client, credential_of(session, good)["id"]),
        "signed_by_the_new_key": served(client, credential_of(session, after_rotation)["id"]),
    }
    tampered = copy.deepcopy(credentials["good"])
    tampered["credentialSubject"]["name"] = tampered["credentialSubject"]["name"][:-1] + "f"
    credentials["tampered"] = tampered
    profile = served(client, "/issuer")
    status_list = served(client, credentials["good"]["credentialStatus"]["statusListCredential"])
    credentials["status_list"] = status_list
    documents = {profile["id"]: profile, status_list["id"]: status_list}

    results = credential_verifier.verify(credentials, documents)

    assert results["good"] == {"verified": True, "revoked": False, "errors": []}
    assert results["status_list"]["verified"], results["status_list"]
    assert results["reinstated"] == {"verified": True, "revoked": False, "errors": []}
    assert results["signed_by_the_new_key"]["verified"], results["signed_by_the_new_key"]
    assert credentials["signed_by_the_new_key"]["proof"]["verificationMethod"] == (
        rotated.signing_key.key_id
    )
    assert credentials["signed_by_the_old_key"]["proof"]["verificationMethod"] == (
        issuer.signing_key.key_id
    )
    assert results["signed_by_the_old_key"]["verified"]
    assert results["tampered"]["verified"] is False
    assert "Invalid signature." in results["tampered"]["errors"]
    assert results["revoked"]["verified"] is False and results["revoked"]["revoked"] is True
    assert results["expired"]["verified"] is False
    assert any('after "validUntil"' in e for e in results["expired"]["errors"])
    # Our own check agrees with the independent one.
    keys = rotated.public_keys
    assert python_verify(credentials["good"], keys) and not python_verify(tampered, keys)


def test_the_credential_says_what_was_certified(app, client, session, admin):
    certificate = certify(session, make_framework(session), admin)
    session.commit()
    credential = credential_of(session, certificate)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["validFrom"] == f"{certificate.issued_on.isoformat()}T00:00:00Z"
    assert credential["validUntil"] == f"{certificate.expires_on.isoformat()}T23:59:59Z"
    assert credential["issuer"]["id"] == "http://localhost/issuer"
    subject = credential["credentialSubject"]
    assert subject["name"] == "Casey Candidate"
    assert subject["licenseNumber"] == certificate.number
    (identity,) = subject["identifier"]
    assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
    assert "casey" not in json.dumps(credential)  # the address is only there hashed
    import hashlib

    digest = hashlib.sha256(("casey.candidate@example.org" + identity["salt"]).encode())
    assert identity["identityHash"] == f"sha256${digest.hexdigest()}"
    achievement = subject["achievement"]
    assert achievement["name"] == "Test Program"
    assert "You complete" in achievement["criteria"]["narrative"]
    described = {d["id"]: d["name"] for d in achievement["resultDescription"]}
    results = {r["resultDescription"]: r["value"] for r in subject["result"]}
    assert set(described) == set(results) and results
    assert all(value.startswith("Met by") for value in results.values())
    status = credential["credentialStatus"]
    assert status["statusListIndex"] == str(certificate.status_index)
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_revoking_sets_the_certificates_bit_and_only_that(client, session, admin):
    framework = make_framework(session)
    kept = certify(session, framework, admin)
    gone = certify(session, framework, admin, email="rory@example.org", name="Rory Revoked")
    session.commit()
    url = "/credentials/status/1"
    assert decode_list(served(client, url)["credentialSubject"]["encodedList"]) == set()
    certificate_admin.revoke_certificate(session, gone, actor=admin, reason=REASON, now=utcnow())
    session.commit()
    bits = decode_list(served(client, url)["credentialSubject"]["encodedList"])
    assert bits == {gone.status_index} and kept.status_index not in bits


def test_two_certificates_never_share_a_status_list_bit(session, admin):
    framework = make_framework(session)
    first = certify(session, framework, admin)
    second = certify(session, framework, admin, email="rory@example.org", name="Rory Revoked")
    assert first.status_index != second.status_index
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), session.begin_nested():
        second.status_index = first.status_index
        session.flush()


def test_allocation_picks_again_when_the_random_index_is_taken(session, admin, monkeypatch):
    from portfolio.services.certification import status_lists

    framework = make_framework(session)
    first = certify(session, framework, admin)
    second = certify(session, framework, admin, email="rory@example.org", name="Rory Revoked")
    second.status_index = None
    session.flush()
    picks = iter([first.status_index, first.status_index, 7])
    monkeypatch.setattr(status_lists._rng, "randrange", lambda _n: next(picks))
    assert status_lists.allocate_index(session, second) == 7


def test_backfill_issues_a_credential_to_each_certificate_without_one(app, session, admin):
    framework = make_framework(session)
    certificate = certify(session, framework, admin)
    for issued in session.scalars(select(IssuedCredential)):
        session.delete(issued)
    certificate.status_index = None
    session.flush()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "issue-credentials"])
    assert result.exit_code == 0, result.output
    assert "Issued 1 credential; status list signed." in result.output
    again = runner.invoke(args=["certificates", "issue-credentials"])
    assert "Issued 0 credentials" in again.output
    session.expire_all()
    assert session.get(Certificate, certificate.id).status_index is not None
    # Every signature is on record, the backfill's as well as the one made at certification.
    backfilled = session.scalar(select(IssuedCredential))
    recorded = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "credential.issued")
    ).all()
    assert len(recorded) == 2  # at certification, then by the backfill
    (mine,) = [e for e in recorded if e.details["public_id"] == backfilled.public_id]
    assert mine.details["certificate"] == certificate.number


def test_issuing_many_credentials_stays_fast(app, session, admin):
    """Signing is canonicalisation plus one Ed25519 signature (issue 14 asks 1,000 in 10 s)."""
    certificate = certify(session, make_framework(session), admin)
    issuer = app.extensions["credential_issuer"]
    start = datetime.now(UTC)
    for _ in range(20):
        open_badges.issue_credential(session, certificate, issuer, utcnow())
    assert (datetime.now(UTC) - start).total_seconds() < 20 * 0.2


def test_the_shipped_contexts_are_those_of_the_pinned_npm_packages(tmp_path):
    """portfolio/services/certification/contexts/ is what tests/credentials/export-contexts.mjs
    writes from the npm packages in package-lock.json, byte for byte (SOURCES.json included)."""
    import subprocess

    from portfolio.services.certification.contexts import DIRECTORY

    credential_verifier.ensure_installed()
    subprocess.run(
        ["node", str(credential_verifier.DIRECTORY / "export-contexts.mjs"), str(tmp_path)],
        check=True,
        timeout=60,
    )
    exported = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    shipped = {p.name: p.read_bytes() for p in DIRECTORY.iterdir()}
    assert exported == shipped


def test_signing_reaches_for_no_other_document(session, admin):
    from pyld.jsonld import JsonLdError

    from portfolio.services.certification.contexts import document_loader

    with pytest.raises(JsonLdError, match="Only the shipped JSON-LD contexts"):
        document_loader("https://example.org/evil-context.jsonld")


def test_a_bit_lost_to_a_race_is_chosen_again(session, admin, monkeypatch):
    """Another certificate claims the same index between the check and the write: the unique
    column refuses it, the savepoint rolls back, and another index is claimed."""
    from portfolio.services.certification import status_lists

    framework = make_framework(session)
    first = certify(session, framework, admin)
    second = certify(session, framework, admin, email="rory@example.org", name="Rory Revoked")
    second.status_index = None
    session.flush()
    picks = iter([first.status_index, 11])
    monkeypatch.setattr(status_lists._rng, "randrange", lambda _n: next(picks))
    checked = []
    real_scalar = session.scalar

    def racing_scalar(statement, *args, **kwargs):
        if "status_index" in str(statement) and not checked:
            checked.append(statement)
            return None  # as if the index were still free when checked
        return real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(session, "scalar", racing_scalar)
    assert status_lists.allocate_index(session, second) == 11
    assert (first.status_index, second.status_index) != (11, 11)
