"""The upload API the browser widget (static/js/upload.js) talks to, under /api/uploads.

JSON in and out, CSRF token in the X-CSRFToken header, the signed-in owner only: another
person's upload id answers 404 like a missing one. The bytes never pass through here; for the
local backend they go to the routes in web/uploads/files.py, for S3 straight to the store.
A file checked by parts has each part's digest reported when its link is asked for (POST
.../parts/<n>, or several parts at once: POST .../parts/links). An upload whose parts are
staged ("checks_parts_as_sent") has each part reported once sent (POST .../parts/<n>/sent, or
several: POST .../parts/sent), and the server reads those parts back then. `complete` answers 202
at once: a job checks the file after the commit (eagerly in-process
without a task queue), and the widget polls the upload until "status" is "verified" or
"rejected" ("reason" says why), or "check_failed" (the check could not run; asking again
retries it). A check nothing holds or waits for any more (its process died, and without a
broker nothing queues it again; with one, the sweep does) shows as "check_failed" too, so
the widget offers Resume.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portfolio.domain.errors import BadRequest
from portfolio.domain.uploads.transfer import human_size
from portfolio.extensions import db
from portfolio.models import Upload, UploadStatus, User
from portfolio.models.base import utcnow
from portfolio.services.uploads import part_digests, staged_parts, transfers, verification
from portfolio.storage_binding import get_store
from portfolio.web import access
from portfolio.web.uploads import bp, upload_limits


def upload_json(upload: Upload) -> dict[str, Any]:
    """What the widget shows and needs next; never the storage key."""
    # Without a broker nothing queues a lost check again (with one, the sweep does).
    in_process = bool(current_app.extensions["celery"].conf.task_always_eager)
    lease = verification.check_lease_from(current_app.config)
    lapsed = in_process and verification.check_lapsed(upload, utcnow(), lease)
    data: dict[str, Any] = {
        "id": upload.id,
        "status": status_of(upload, lapsed=lapsed),
        "name": upload.original_name,
        "size": upload.size if upload.size is not None else upload.declared_size,
        "size_text": human_size(upload.size or upload.declared_size),
        "content_type": upload.content_type,
        "sha256": upload.sha256,
        "fingerprint": upload.fingerprint,
        "by_parts": part_digests.checked_by_parts(upload),
        # Report each part once sent (POST .../parts/<n>/sent, or several at once: POST
        # .../parts/sent): the server checks it then.
        "checks_parts_as_sent": upload.parts_staged,
        "reason": reason_of(upload, lapsed=lapsed),
        "method": "multipart" if upload.multipart_upload_id else "post",
        "expires_at": upload.expires_at.isoformat(),
        "urls": {
            "self": url_for("uploads.show", upload_id=upload.id),
            "parts": url_for("uploads.parts", upload_id=upload.id),
            "complete": url_for("uploads.complete", upload_id=upload.id),
        },
    }
    if upload.status == UploadStatus.VERIFIED and not upload.is_import:
        data["urls"]["download"] = url_for("uploads.download", upload_id=upload.id)
    return data


def status_of(upload: Upload, *, lapsed: bool = False) -> str:
    """The row's status, with "checking" and "check_failed" for a pending upload whose check
    was asked for (`lapsed`: nothing holds or waits for the check any more)."""
    if upload.status == UploadStatus.PENDING and upload.check_requested_at is not None:
        failed = upload.check_failed_at is not None or lapsed
        return "check_failed" if failed else "checking"
    return upload.status.value


def reason_of(upload: Upload, *, lapsed: bool = False) -> str | None:
    """Why the upload was refused, or why its check could not finish; None otherwise."""
    if upload.status == UploadStatus.PENDING and (upload.check_failed_at is not None or lapsed):
        return "The file could not be checked just now. Nothing was lost: try again shortly."
    return upload.rejection_reason or None


def _signed_in() -> User:
    if not current_user.is_authenticated:
        abort(401, description="Sign in to upload files.")
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _own_upload(upload_id: int, *, lock: bool = False) -> Upload:
    """The signed-in person's upload, or 404. `lock` (SELECT ... FOR UPDATE on PostgreSQL) makes
    a second "complete" or "cancel" of the same upload wait for the first and see its result."""
    _signed_in()
    # populate_existing: the check job changes the row in a session of its own.
    query = select(Upload).where(Upload.id == upload_id).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update()
    upload = db.session.scalars(query).first()
    access.require_own(upload.owner_id if upload is not None else None)
    assert upload is not None
    return upload


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("Send a JSON object.")
    return body


@bp.post("/api/uploads")
def begin() -> tuple[Response, int]:
    """{filename, size, sha256[, content_type, purpose]} -> the pending upload and where to
    send it ("purpose": "portfolio_import" for a portfolio export zip; evidence otherwise).
    A file over the single-POST limit may leave out sha256: it is then checked part by part
    (report each part's digest, then give the composite fingerprint to `complete`)."""
    user = _signed_in()
    body = _json_object()
    start = transfers.begin_upload(
        db.session,
        get_store(),
        user,
        filename=body.get("filename"),
        size=body.get("size"),
        sha256=body.get("sha256"),
        content_type=body.get("content_type"),
        purpose=body.get("purpose"),
        now=utcnow(),
        limits=upload_limits(),
    )
    reply: dict[str, Any] = {"upload": upload_json(start.upload)}
    if start.post is not None:
        reply["post"] = {
            "url": start.post.url,
            "fields": start.post.fields,
            "expires_at": start.post.expires_at.isoformat(),
        }
    if start.plan is not None:
        reply["part_size"] = start.plan.part_bytes
        reply["part_count"] = start.plan.part_count
    response = jsonify(reply)
    response.headers["Location"] = url_for("uploads.show", upload_id=start.upload.id)
    return response, 201


@bp.get("/api/uploads/<int:upload_id>")
def show(upload_id: int) -> Response:
    return jsonify({"upload": upload_json(_own_upload(upload_id))})


@bp.post("/api/uploads/<int:upload_id>/parts")
def presign_parts(upload_id: int) -> Response:
    """{parts: [1, 2, ...]} -> a PUT URL for each part (valid five minutes). Not for an upload
    checked by parts created since parts carry their checksums (409): ask for each part's link
    with its digest (record_part)."""
    upload = _own_upload(upload_id)
    urls = transfers.presign_parts(
        get_store(), upload, _json_object().get("parts"), now=utcnow(), limits=upload_limits()
    )
    return jsonify({"parts": [{"part_number": n, "url": url} for n, url in urls.items()]})


@bp.get("/api/uploads/<int:upload_id>/parts")
def parts(upload_id: int) -> Response:
    """The parts the store already holds, so a resumed upload sends only the others."""
    upload = _own_upload(upload_id)
    received = transfers.uploaded_parts(get_store(), upload, now=utcnow())
    plan = transfers.plan_of(upload, upload_limits())
    digests = part_digests.recorded_digests(db.session, upload.id)
    return jsonify(
        {
            "upload": upload_json(upload),
            "part_size": plan.part_bytes if plan else None,
            "part_count": plan.part_count if plan else None,
            "parts": [_part_json(p.part_number, p.size, digests) for p in received],
        }
    )


def _part_json(number: int, size: int, digests: dict[int, str]) -> dict[str, Any]:
    """A received part; with "sha256" once its digest was reported (uploads checked by parts)."""
    part: dict[str, Any] = {"part_number": number, "size": size}
    if number in digests:
        part["sha256"] = digests[number]
    return part


@bp.post("/api/uploads/<int:upload_id>/parts/links")
def part_links(upload_id: int) -> Response:
    """{parts: [{part_number, sha256}, ...]} (at most 16): several parts' links at once, each
    as record_part answers it -> {parts: [{part_number, url, headers}, ...]}."""
    upload = _own_upload(upload_id, lock=True)
    links = part_digests.links_for_parts(
        db.session,
        get_store(),
        upload,
        _json_object().get("parts"),
        now=utcnow(),
        limits=upload_limits(),
    )
    return jsonify(
        {
            "parts": [
                {"part_number": number, "url": link.url, "headers": link.headers}
                for number, link in links.items()
            ]
        }
    )


@bp.post("/api/uploads/<int:upload_id>/parts/<int:part_number>")
def record_part(upload_id: int, part_number: int) -> Response:
    """{sha256}: the part's SHA-256 (hex) as the browser computed it, before the part is sent
    -> {url, headers}: where to PUT it (valid five minutes), sending `headers` exactly as
    given (the checksum the link is signed for, if the upload's parts carry theirs)."""
    upload = _own_upload(upload_id, lock=True)
    link = part_digests.link_for_part(
        db.session,
        get_store(),
        upload,
        part_number,
        _json_object().get("sha256"),
        now=utcnow(),
        limits=upload_limits(),
    )
    return jsonify(
        {"part_number": part_number, "recorded": True, "url": link.url, "headers": link.headers}
    )


@bp.post("/api/uploads/<int:upload_id>/parts/<int:part_number>/sent")
def part_sent(upload_id: int, part_number: int) -> tuple[Response, int]:
    """The part's PUT succeeded: the server reads it back and compares it with its digest
    while the next parts are on their way (uploads whose upload shows "checks_parts_as_sent").
    Without a task queue that is done in this request: {"checked": true}, or the upload refused
    ("status" "rejected", "reason" says why: a part that differs refuses the whole file). With
    one, a worker reads it back: 202 {"checked": false}, and a refusal shows in the upload (in
    the answer to a later report, and where the upload is shown)."""
    upload = _own_upload(upload_id)
    queued = bool(current_app.config.get("TASK_BROKER_URL"))
    refusal = staged_parts.check_sent_part(
        db.session,
        get_store(),
        upload,
        part_number,
        now=utcnow(),
        limits=upload_limits(),
        actor=_signed_in(),
        queue=queued,
    )
    reply = {"part_number": part_number, "checked": not queued and refusal is None}
    status = 202 if queued and upload.status == UploadStatus.PENDING else 200
    return jsonify({**reply, "upload": upload_json(upload)}), status


@bp.post("/api/uploads/<int:upload_id>/parts/sent")
def parts_sent(upload_id: int) -> tuple[Response, int]:
    """{parts: [1, 2, ...]} (at most 16): several parts' PUTs succeeded, each handled as
    part_sent handles one -> {parts: [{part_number, checked[, problem]}], upload}. A part that
    cannot be read back now (not there yet) says why in "problem" without holding up the
    others; the check `complete` asks for reads it back."""
    upload = _own_upload(upload_id)
    queued = bool(current_app.config.get("TASK_BROKER_URL"))
    report = staged_parts.check_sent_parts(
        db.session,
        get_store(),
        upload,
        _json_object().get("parts"),
        now=utcnow(),
        limits=upload_limits(),
        actor=_signed_in(),
        queue=queued,
    )
    answered = []
    for number in report.part_numbers:
        checked = not queued and report.refusal is None and number not in report.unread
        part: dict[str, Any] = {"part_number": number, "checked": checked}
        if number in report.unread:
            part["problem"] = report.unread[number]
        answered.append(part)
    status = 202 if queued and upload.status == UploadStatus.PENDING else 200
    return jsonify({"parts": answered, "upload": upload_json(upload)}), status


@bp.post("/api/uploads/<int:upload_id>/complete")
def complete(upload_id: int) -> tuple[Response, int]:
    """Ask for the check: 202 with status "checking" (poll "self"); 200 once it is finished.
    An upload checked by parts sends {fingerprint} the first time."""
    upload = _own_upload(upload_id, lock=True)
    body = request.get_json(silent=True)
    verification.request_check(
        db.session,
        get_store(),
        upload,
        now=utcnow(),
        actor=_signed_in(),
        lease=verification.check_lease_from(current_app.config),
        fingerprint=body.get("fingerprint") if isinstance(body, dict) else None,
        limits=upload_limits(),
    )
    reply = jsonify({"upload": upload_json(upload)})
    if upload.status == UploadStatus.PENDING:
        reply.headers["Location"] = url_for("uploads.show", upload_id=upload.id)
        reply.headers["Retry-After"] = "1"
        return reply, 202
    return reply, 200


@bp.delete("/api/uploads/<int:upload_id>")
def cancel(upload_id: int) -> Response:
    upload = _own_upload(upload_id, lock=True)
    transfers.cancel_upload(db.session, get_store(), upload, actor=_signed_in())
    return jsonify({"upload": upload_json(upload)})
