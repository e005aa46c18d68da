"""What an independent verifier (Digital Bazaar's vc libraries, tests/credentials/) makes of the
credentials renewal touches: the new credential of a renewed certificate verifies, valid until
the new expiry; a lapsed certificate's credential is marked in the status list."""

from __future__ import annotations

import json

from sqlalchemy import select

from portfolio.domain.dates import add_years
from portfolio.models import RenewalApplication
from portfolio.models.base import utcnow
from portfolio.services.certification import open_badges
from portfolio.services.renewal import review
from portfolio.services.renewal.reminders import lapse_unrenewed
from tests import credential_verifier
from tests.helpers import login_as
from tests.renewal_fixtures import TODAY, an_admin, holder_in_window, post, post_activity


def served(client, url: str) -> dict:
    response = client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200, (url, response.status_code)
    return json.loads(response.get_data(as_text=True))


def documents_for(client, credential: dict) -> dict:
    profile = served(client, "/issuer")
    status_list = served(client, credential["credentialStatus"]["statusListCredential"])
    return {profile["id"]: profile, status_list["id"]: status_list}


def test_a_renewed_certificates_new_credential_verifies_until_the_new_expiry(client, session):
    holder = holder_in_window(session, expires_in_days=20)
    old_expiry = holder.certificate.expires_on
    login_as(client, holder.user)
    post_activity(client, holder, amount="2")
    post_activity(client, holder, title="Tech", unit="workshop_hour", amount="4", on_technology="y")
    assert post(client, holder.page, f"{holder.page}/apply").status_code == 302
    admin = an_admin(session)
    renewal = session.scalars(select(RenewalApplication)).one()
    for activity in renewal.activities:
        review.accept_activity(session, renewal, activity.id, actor=admin, now=utcnow())
    review.approve(session, renewal.id, actor=admin, version=renewal.version, note="", now=utcnow())
    session.commit()

    newest = open_badges.latest_credential(session, holder.certificate)
    credential = served(client, json.loads(newest.document)["id"])
    assert credential["validUntil"].startswith(add_years(old_expiry, 5).isoformat())
    results = credential_verifier.verify({"renewed": credential}, documents_for(client, credential))
    assert results["renewed"] == {"verified": True, "revoked": False, "errors": []}


def test_a_lapsed_certificates_credential_is_marked_in_the_status_list(client, session):
    holder = holder_in_window(session, expires_in_days=-70)
    credential = json.loads(open_badges.latest_credential(session, holder.certificate).document)
    assert lapse_unrenewed(session, TODAY, utcnow()) == 1
    session.commit()
    results = credential_verifier.verify({"lapsed": credential}, documents_for(client, credential))
    assert results["lapsed"]["verified"] is False
    assert results["lapsed"]["revoked"] is True
