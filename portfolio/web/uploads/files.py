"""File routes: downloads for signed-in people, and the local backend's stand-ins for S3.

/files/<id> checks who asks, then redirects to a short-lived presigned GET (S3, or the local
download route). The /files/upload|part|download/<token> routes serve the local store's
signed links: the token alone says which key, which part and exactly how many bytes, as a
presigned S3 URL does, so they need neither a session nor a CSRF token. Their bodies are
streamed to disk and must have the token's size, neither more nor fewer bytes (not
MAX_CONTENT_LENGTH, which guards form posts).
"""

from __future__ import annotations

import itertools

from flask import redirect, request, send_file
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portfolio.domain.errors import BadRequest, NotFound
from portfolio.domain.uploads.downloads import download_disposition
from portfolio.extensions import csrf, db
from portfolio.models import Upload
from portfolio.services.uploads import staged_parts
from portfolio.services.uploads.access import download_key
from portfolio.storage import (
    CHECKSUM_HEADER,
    InvalidStorageLink,
    ObjectNotFound,
    ObjectStore,
    StorageUnavailable,
    UploadRejected,
    UploadTooLarge,
    links,
)
from portfolio.storage.local import LocalStore
from portfolio.storage_binding import get_store
from portfolio.web import access
from portfolio.web.input_guard import reads_raw_body
from portfolio.web.uploads import bp

CANNOT_FETCH = "The file cannot be fetched right now: storage is not answering. Try again soon."
# Room for the multipart form's boundaries and its "token" field around the file itself.
FORM_OVERHEAD = 64 * 1024


def _local_store() -> LocalStore:
    store = get_store()
    if not isinstance(store, LocalStore):
        raise NotFound("We could not find that page.")
    return store


@bp.get("/files/<int:upload_id>")
@login_required
def download(upload_id: int) -> Response:
    """Redirect to the file: as an attachment, or ?view=inline for images, PDF, audio, video."""
    upload = access.require_can_download(db.session.get(Upload, upload_id))
    key = download_key(current_user, upload)  # reviewers get an image without its metadata
    store = get_store()
    if key == upload.key and staged_parts.still_in_parts(upload):
        return _from_parts(store, upload)
    # One cheap HEAD first: a store that is down gets the app's own page, not a browser error
    # after the redirect.
    try:
        found = store.stat(key)
    except StorageUnavailable as exc:
        raise StorageUnavailable(CANNOT_FETCH) from exc
    if found is None:
        raise NotFound("This file is missing from storage. The program office can restore it.")
    url = store.presign_get(
        key,
        upload.original_name,
        upload.content_type or "application/octet-stream",
        inline=request.args.get("view") == "inline",
    )
    response = redirect(url, code=303)
    response.headers["Cache-Control"] = "no-store"  # the link itself is a short-lived secret
    return response


def _from_parts(store: ObjectStore, upload: Upload) -> Response:
    """A file that counts while the store is still joining its parts (seconds, usually):
    streamed from them, as the joined object would be served. What the database says is read
    first and the transaction ended, so that no lock is held while the store is read."""
    content_type = upload.content_type or "application/octet-stream"
    disposition = download_disposition(
        upload.original_name, content_type, inline=request.args.get("view") == "inline"
    )
    stored = staged_parts.stored_file(db.session, upload)
    db.session.rollback()  # read only: nothing to keep
    chunks = staged_parts.file_chunks(store, stored)
    try:
        first = next(chunks, b"")  # a store that is down answers the app's own page
    except StorageUnavailable as exc:
        raise StorageUnavailable(CANNOT_FETCH) from exc
    except ObjectNotFound as exc:
        raise NotFound(
            "This file is missing from storage. The program office can restore it."
        ) from exc
    response = Response(itertools.chain([first], chunks), mimetype=content_type)
    response.headers["Content-Length"] = str(stored.size)
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/files/upload/<token>")
@csrf.exempt
@reads_raw_body
def local_upload(token: str) -> Response:
    """A form POST of one whole file (fields: token, then file), like an S3 presigned POST."""
    store = _local_store()
    claims = store.verify_token(token, links.UPLOAD)
    size = _signed_size(claims)
    request.max_content_length = size + FORM_OVERHEAD
    sent = request.files.get("file")
    if sent is None:
        raise BadRequest("Send the file in a form field named 'file'.")
    store.write_upload(claims.key, sent.stream, size, claims.content_type)
    return Response(status=204)


@bp.put("/files/part/<token>")
@csrf.exempt
@reads_raw_body
def local_part(token: str) -> Response:
    """The body is one part of a multipart upload; answers its ETag, like S3's UploadPart. A
    link signed for a SHA-256 needs it in the x-amz-checksum-sha256 header, exactly as signed
    (403 otherwise, as S3's signature check answers), and takes only bytes that have it."""
    store = _local_store()
    claims = store.verify_token(token, links.PART)
    assert claims.upload_id is not None and claims.part_number is not None
    size = _signed_size(claims)
    signed = claims.checksum_sha256
    if signed is not None and request.headers.get(CHECKSUM_HEADER) != signed:
        raise InvalidStorageLink(
            f"This link takes the part with its SHA-256 checksum in the {CHECKSUM_HEADER} "
            "header, exactly as it was signed; nothing was saved."
        )
    _require_signed_length(size)
    request.max_content_length = size
    etag = store.write_part(
        claims.key,
        claims.upload_id,
        claims.part_number,
        request.stream,
        size,
        claims.checksum_sha256,
    )
    response = Response(status=200)
    response.headers["ETag"] = f'"{etag}"'
    return response


@bp.put("/files/put/<token>")
@csrf.exempt
@reads_raw_body
def local_put(token: str) -> Response:
    """The body is one whole object (a staged part), like S3's PutObject through a presigned
    link signed for its length and SHA-256: the x-amz-checksum-sha256 header exactly as signed
    (403 otherwise), and only bytes that have it; answers the ETag."""
    store = _local_store()
    claims = store.verify_token(token, links.PUT)
    size = _signed_size(claims)
    signed = claims.checksum_sha256
    if signed is None or request.headers.get(CHECKSUM_HEADER) != signed:
        raise InvalidStorageLink(
            f"This link takes the part with its SHA-256 checksum in the {CHECKSUM_HEADER} "
            "header, exactly as it was signed; nothing was saved."
        )
    _require_signed_length(size)
    request.max_content_length = size
    info = store.write_object(claims.key, request.stream, size, signed)
    response = Response(status=200)
    response.headers["ETag"] = f'"{info.etag}"'
    return response


def _require_signed_length(size: int) -> None:
    """A declared length other than the signed one is refused before a byte is read, as S3
    does."""
    if request.content_length is not None and request.content_length != size:
        error = UploadTooLarge if request.content_length > size else UploadRejected
        raise error(
            f"This part must be exactly {size:,} bytes, not {request.content_length:,}; "
            "nothing was saved."
        )


def _signed_size(claims: links.LinkClaims) -> int:
    """The exact size a link takes; links made before sizes were signed carry none."""
    if claims.size is None:
        raise InvalidStorageLink("This link is not valid. Reload the page and try again.")
    return claims.size


@bp.get("/files/download/<token>")
def local_download(token: str) -> Response:
    """The object, with the type and Content-Disposition the token carries."""
    store = _local_store()
    claims = store.verify_token(token, links.DOWNLOAD)
    response = send_file(
        store.path_for(claims.key),
        mimetype=claims.content_type or "application/octet-stream",
        conditional=True,
        max_age=0,
    )
    if claims.content_disposition:
        response.headers["Content-Disposition"] = claims.content_disposition
    response.headers["Cache-Control"] = "private, no-store"
    return response
