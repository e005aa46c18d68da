"""Certificate numbers, and finding a certificate by one (the public check).

A number is 20 characters of Crockford's base32 (100 random bits), so the public page cannot
be walked; people may type it in any case, with spaces and without dashes.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portfolio.domain.certification.evaluation import CertificateStatus, certificate_status
from portfolio.domain.errors import InvalidInput
from portfolio.models import Certificate

# Crockford's base32 without I, L, O and U: nothing to misread when typed from paper.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS, _GROUP = 4, 5  # 20 characters, 100 random bits


def new_number() -> str:
    """A certificate number nobody can guess, e.g. 7K3QD-M0X2A-9PTRE-4HZ6B."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP))
    return "-".join(chars[i : i + _GROUP] for i in range(0, len(chars), _GROUP))


def normalise_number(text: str) -> str | None:
    """The number as stored, from what someone typed (any case, spaces, O for 0); else None."""
    raw = "".join(text.split()).replace("-", "").upper()
    raw = raw.translate(str.maketrans("OIL", "011"))
    if len(raw) != _GROUPS * _GROUP or any(c not in _ALPHABET for c in raw):
        return None
    return "-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP))


NUMBER_FORMAT = (
    "Enter the 20 letters and digits printed on the certificate, like 7K3QD-M0X2A-9PTRE-4HZ6B."
)


def certificate_for_number(session: Session, text: str) -> Certificate | None:
    """The certificate whose number `text` is (read as normalise_number reads it), with its
    holder and program loaded; None when no certificate has that number.

    Raises InvalidInput (field "number") when `text` cannot be a certificate number at all.
    """
    number = normalise_number(text)
    if number is None:
        raise InvalidInput(NUMBER_FORMAT, field="number")
    return session.scalar(
        select(Certificate)
        .where(Certificate.number == number)
        .options(joinedload(Certificate.user), joinedload(Certificate.framework))
    )


def status_of(certificate: Certificate, today: date) -> CertificateStatus:
    """Valid, expired or revoked on `today` (domain.certification.evaluation.certificate_status)."""
    revoked_on = certificate.revoked_at.date() if certificate.revoked_at is not None else None
    return certificate_status(
        certificate.expires_on,
        revoked_on,
        certificate.revoked_reason,
        today,
        certificate.revoked_public_statement,
        certificate.lapsed_on,
    )
