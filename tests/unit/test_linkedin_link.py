"""LinkedIn's "add to profile" link: every detail in its parameter, percent-encoded."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlsplit

from portfolio.domain.certification.sharing import ProfileCertification, linkedin_add_to_profile

CERT = ProfileCertification(
    name="Library Support Staff Certification (LSSC) & More/Über 100%",
    organization="ALA-Allied Professional Association (ALA-APA)",
    issued_on=date(2026, 1, 5),
    expires_on=date(2031, 12, 4),
    number="7K3QD-M0X2A-9PTRE-4HZ6B",
    url="https://portfolio.example.org/certificates/7K3QD-M0X2A-9PTRE-4HZ6B?x=1&y=2#top",
)


def test_the_link_opens_the_add_certification_task_with_every_detail():
    link = linkedin_add_to_profile(CERT)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert parse_qsl(parts.query, strict_parsing=True) == [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", CERT.name),
        ("organizationName", CERT.organization),
        ("issueYear", "2026"),
        ("issueMonth", "1"),
        ("expirationYear", "2031"),
        ("expirationMonth", "12"),
        ("certUrl", CERT.url),
        ("certId", CERT.number),
    ]
    assert parts.fragment == ""  # the certificate URL's own "#" is encoded, not the link's


def test_reserved_characters_and_spaces_are_percent_encoded():
    link = linkedin_add_to_profile(CERT)
    query = urlsplit(link).query
    assert "name=Library%20Support%20Staff%20Certification%20%28LSSC%29%20%26%20More%2F" in query
    assert "%C3%9Cber%20100%25" in query
    assert "certUrl=https%3A%2F%2Fportfolio.example.org%2Fcertificates%2F" in query
    assert "%3Fx%3D1%26y%3D2%23top" in query
    assert " " not in link and "+" not in link


def test_a_known_company_id_replaces_the_organisation_name():
    link = linkedin_add_to_profile(
        ProfileCertification(**{**CERT.__dict__, "organization_id": "12345"})
    )
    query = dict(parse_qsl(urlsplit(link).query))
    assert query["organizationId"] == "12345" and "organizationName" not in query
