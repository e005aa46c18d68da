"""The Open Badges 3.0 credential of a certificate, and the issuer's profile (unsigned).

An `OpenBadgeCredential` (a W3C Verifiable Credential, data model 2.0) says: this issuer
certifies that the holder (a name, and an email address hashed with a salt, as OB 3.0's
IdentityObject) met the program's achievement (its criteria in words, one result per
competency set met, saying how) from `validFrom` until `validUntil`. The proof is added by
services.certification.signing. Pure: facts in, JSON-ready dictionaries out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
# A profile's assertionMethod, as the Controlled Identifiers vocabulary defines it.
ASSERTION_METHOD_TERM = {
    "assertionMethod": {
        "@id": "https://w3id.org/security#assertionMethod",
        "@type": "@id",
        "@container": "@set",
    }
}


@dataclass(frozen=True)
class SetResult:
    """One competency set the holder met, and how (e.g. "met by portfolio review")."""

    code: str
    name: str
    how: str


@dataclass(frozen=True)
class CredentialFacts:
    credential_id: str  # the URL that serves this credential
    issuer_id: str  # the URL of the issuer's Profile
    issuer_name: str
    issuer_url: str
    achievement_id: str  # the program page, with its version
    program_name: str
    program_description: str
    criteria: str  # the program's requirements in words
    holder_name: str
    holder_email: str
    salt: str  # random per credential, so the hash cannot be matched across credentials
    sets: Sequence[SetResult]
    issued_on: date
    expires_on: date  # the last valid day
    certificate_number: str
    status: dict[str, str]  # domain.certification.status_list.status_entry


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0's hashed identity: "sha256$" and the hex SHA-256 of the address and the salt.

    The address is trimmed and lower-cased first, so a verifier who hashes what the holder
    tells them gets the same value.
    """
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return f"sha256${digest}"


def timestamp(day: date, *, end_of_day: bool = False) -> str:
    """An XML Schema dateTimeStamp in UTC: the start (or last second) of `day`."""
    return f"{day.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}Z"


def open_badge_credential(facts: CredentialFacts) -> dict[str, object]:
    """The unsigned OpenBadgeCredential for a certificate."""
    achievement = facts.achievement_id
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.program_name,
        "issuer": {
            "id": facts.issuer_id,
            "type": ["Profile"],
            "name": facts.issuer_name,
            "url": facts.issuer_url,
        },
        "validFrom": timestamp(facts.issued_on),
        "validUntil": timestamp(facts.expires_on, end_of_day=True),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": facts.holder_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": facts.salt,
                    "identityHash": identity_hash(facts.holder_email, facts.salt),
                }
            ],
            "achievement": {
                "id": achievement,
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": facts.program_name,
                "description": facts.program_description or facts.program_name,
                "criteria": {"narrative": facts.criteria},
                "resultDescription": [
                    {
                        "id": _set_id(achievement, item.code),
                        "type": ["ResultDescription"],
                        "name": f"{item.code} {item.name}",
                        "resultType": "Status",
                    }
                    for item in facts.sets
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": _set_id(achievement, item.code),
                    "status": "Completed",
                    "value": item.how,
                }
                for item in facts.sets
            ],
            "licenseNumber": facts.certificate_number,
        },
        "credentialStatus": facts.status,
    }


def _set_id(achievement_id: str, code: str) -> str:
    return f"{achievement_id}#set-{code}"


@dataclass(frozen=True)
class IssuerKey:
    key_id: str  # the verification method's URL: the profile's URL and the key as fragment
    public_key_multibase: str


def issuer_profile(
    *, issuer_id: str, name: str, url: str, keys: Sequence[IssuerKey]
) -> dict[str, object]:
    """The issuer's OB 3.0 Profile with every key it has signed with as a Multikey in
    `assertionMethod`, so credentials signed by a retired key still verify."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, MULTIKEY_CONTEXT, ASSERTION_METHOD_TERM],
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "url": url,
        "assertionMethod": [
            {
                "id": key.key_id,
                "type": "Multikey",
                "controller": issuer_id,
                "publicKeyMultibase": key.public_key_multibase,
            }
            for key in keys
        ],
    }
