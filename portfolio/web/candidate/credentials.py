"""The holder's own Open Badges credential, to download (/me/certificates/<number>/credential.json).

Only the holder gets it, and only while the certificate is valid; anyone else's number, an
unknown or malformed one is a 404, a revoked or expired certificate a 409 saying so.
"""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from portfolio.domain.errors import NotFound
from portfolio.extensions import db
from portfolio.services.certification import open_badges
from portfolio.services.certification.numbers import normalise_number
from portfolio.web import clock
from portfolio.web.candidate import bp
from portfolio.web.credentials import CREDENTIAL_TYPE, document_response


@bp.get("/certificates/<number>/credential.json")
def credential_download(number: str) -> Response:
    normalised = normalise_number(number) if len(number) <= 40 else None
    if normalised is None:
        raise NotFound("We could not find that certificate among yours.")
    issued = open_badges.credential_for_holder(
        db.session, current_user._get_current_object(), normalised, clock.today()
    )
    return document_response(
        issued.document, CREDENTIAL_TYPE, download_name=f"certificate-{normalised}.json"
    )
