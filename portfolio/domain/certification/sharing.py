"""Links that put a certificate on a professional profile.

LinkedIn's "add to profile" page takes a certification's details as URL parameters and opens
its form filled in for the signed-in member, who checks and saves it there; nothing is sent to
LinkedIn by us. Parameters (documented for LinkedIn's Add to Profile feature): startTask,
name, organizationId or organizationName, issueYear, issueMonth, expirationYear,
expirationMonth, certUrl, certId. Months are 1 to 12.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


@dataclass(frozen=True)
class ProfileCertification:
    """What a professional profile records of a certification."""

    name: str  # the certification: the program's name
    organization: str  # who issues it
    issued_on: date
    expires_on: date
    number: str
    url: str  # the public page that verifies it
    organization_id: str = ""  # the issuer's LinkedIn company id, when known


def linkedin_add_to_profile(cert: ProfileCertification) -> str:
    """The LinkedIn URL that opens "Add license or certification" filled in with `cert`.

    Every value is percent-encoded (spaces as %20, so the form shows them as typed); with an
    organisation id LinkedIn links its company page, else it shows the organisation's name.
    """
    params: list[tuple[str, str | int]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", cert.name),
    ]
    if cert.organization_id:
        params.append(("organizationId", cert.organization_id))
    else:
        params.append(("organizationName", cert.organization))
    params += [
        ("issueYear", cert.issued_on.year),
        ("issueMonth", cert.issued_on.month),
        ("expirationYear", cert.expires_on.year),
        ("expirationMonth", cert.expires_on.month),
        ("certUrl", cert.url),
        ("certId", cert.number),
    ]
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params, quote_via=quote, safe='')}"
