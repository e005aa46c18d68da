"""Open Badges 3.0 documents anyone (a wallet, a verifier) may fetch: the issuer's profile with
its public keys, each credential at the URL that is its `id`, and the revocation status list.

Each is JSON-LD, served as stored (credentials and the list were signed when issued or when a
certificate was revoked or reinstated); a GET never signs anything that is then kept.
"""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app

from portfolio.domain.errors import NotFound
from portfolio.extensions import db
from portfolio.models.base import utcnow
from portfolio.services.certification import open_badges, status_lists
from portfolio.services.certification.issuer import STATUS_LIST, current_issuer
from portfolio.web import clock

bp = Blueprint("credentials", __name__)


@bp.app_template_global()
def credential_url(public_id: str) -> str:
    """The URL that is a credential's `id` (from PUBLIC_BASE_URL, as in the credential)."""
    return current_issuer().credential_url(public_id)


CREDENTIAL_TYPE = "application/vc"  # W3C VC data model 2.0, section 6.1
PROFILE_TYPE = "application/ld+json"


def document_response(text: str, mimetype: str, *, download_name: str | None = None) -> Response:
    """A stored JSON-LD document as it was signed. A download (the holder's own copy) is kept
    out of every cache; the public documents may be fetched from any origin, and are checked
    again each time (a revocation must show at once)."""
    response = Response(text, mimetype=mimetype)
    if download_name:
        response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "no-cache"
    return response


EMPTY_LIST_SECONDS = 60


@bp.get("/issuer")
def issuer_profile() -> Response:
    document = open_badges.profile_document(current_issuer())
    return document_response(json.dumps(document, ensure_ascii=False), PROFILE_TYPE)


@bp.get("/credentials/status/<int:number>")
def status_list(number: int) -> Response:
    if number != STATUS_LIST:
        raise NotFound("We could not find that status list.")
    stored = status_lists.stored_status_list(db.session, number)
    if stored is not None:
        return document_response(stored.document, CREDENTIAL_TYPE)
    # No certificate has been issued a credential yet: an empty list, signed for this answer,
    # and reused for a minute, so anonymous requests cannot make the app sign over and over.
    cached = current_app.extensions.get("empty_status_list")
    now = time.monotonic()
    if cached is None or now - cached[0] > EMPTY_LIST_SECONDS:
        document = status_lists.signed_status_list(db.session, current_issuer(), utcnow())
        cached = (now, json.dumps(document, ensure_ascii=False))
        current_app.extensions["empty_status_list"] = cached
    return document_response(cached[1], CREDENTIAL_TYPE)


@bp.get("/credentials/<public_id>")
def credential(public_id: str) -> Response:
    issued = open_badges.public_credential(db.session, public_id, clock.today())
    return document_response(issued.document, CREDENTIAL_TYPE)
