"""Files checked part by part: the client reports each part's SHA-256 (and gets the part's link
back, signed for it) and the composite fingerprint; the server reads every part back from the
store and compares.

Against moto's S3 server over HTTP (which checks neither signatures nor checksums, unlike S3
and the local store: the server's own reading is what catches a bad part there), and the local
store for the fingerprint tool. Each bad input ends with nothing counted and nothing kept: the
upload rejected with a reason that says what was wrong, and no object or unfinished multipart
upload left in the store.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import Role, Upload, UploadPartDigest, UploadStatus
from portfolio.storage.s3 import S3Store
from tests.helpers import login_as, make_user
from tests.upload_helpers import (
    MiB,
    UploadApi,
    begin_by_parts,
    fingerprint_of,
    part_of,
    pdf_bytes,
    sha256_hex,
    use_store,
)

PART = 5 * MiB  # small_limits' part size


@pytest.fixture
def store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


def put_part(
    api: UploadApi, upload_id: int, number: int, data: bytes, digest: str | None = None
) -> None:
    """Report the part's SHA-256 (`digest`, else the one of `data`) for its link, then PUT
    `data` there with the headers the link needs."""
    link = report(api, upload_id, number, digest or sha256_hex(data))
    assert link.status_code == 200, link.get_json()
    assert api.put_part(link.json["url"], data, link.json["headers"]) == 200


def report(api: UploadApi, upload_id: int, number: int, digest: object) -> Any:
    return api.part_link(upload_id, number, digest)


def send_and_report(api: UploadApi, upload_id: int, content: bytes, order: list[int]) -> None:
    for number in order:
        put_part(api, upload_id, number, part_of(content, number))


def complete(api: UploadApi, upload_id: int, fingerprint: object) -> Any:
    reply = api.client.post(
        f"/api/uploads/{upload_id}/complete", json={"fingerprint": fingerprint}, headers=api.headers
    )
    return reply


def finished(api: UploadApi, upload_id: int, fingerprint: object) -> dict[str, Any]:
    reply = complete(api, upload_id, fingerprint)
    assert reply.status_code in (200, 202), reply.get_json()
    return dict(api.show(upload_id).get_json()["upload"])


def nothing_kept(store: S3Store, s3_admin: Any, session: Session, upload_id: int) -> None:
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    assert upload.status == UploadStatus.REJECTED
    assert upload.fingerprint is None and upload.verified_at is None
    assert store.stat(upload.key) is None
    assert s3_admin.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []
    assert session.scalars(select(UploadPartDigest)).all() == []


def test_a_file_checked_by_parts_is_verified_with_its_composite_fingerprint(
    api: UploadApi, store: S3Store, small_limits: None, session: Session
) -> None:
    content = pdf_bytes(11 * MiB + 123)
    started = begin_by_parts(api, content)
    upload_id = started["upload"]["id"]
    assert (started["part_size"], started["part_count"]) == (PART, 3)
    send_and_report(api, upload_id, content, [1, 2, 3])

    shown = finished(api, upload_id, fingerprint_of(content, PART))

    assert shown["status"] == "verified"
    assert shown["fingerprint"] == fingerprint_of(content, PART)
    assert shown["fingerprint"].endswith(f"-3x{PART}")
    upload = session.get(Upload, upload_id)
    assert upload.sha256 is None and upload.fingerprint == fingerprint_of(content, PART)
    # The reported digests were compared and are not kept; the fingerprint is.
    assert session.scalars(select(UploadPartDigest)).all() == []


def test_the_fingerprint_tool_recomputes_a_verified_files_fingerprint(
    api: UploadApi, small_limits: None, tmp_path: Path
) -> None:
    content = pdf_bytes(7 * MiB)
    started = begin_by_parts(api, content)
    upload_id = started["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 2])
    shown = finished(api, upload_id, fingerprint_of(content, PART))
    assert shown["status"] == "verified"  # on the local store
    chosen = tmp_path / "evidence.pdf"
    chosen.write_bytes(content)

    def tool(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "portfolio.tools.fingerprint", str(chosen), *args],
            capture_output=True,
            text=True,
            check=False,
        )

    by_size = tool("--part-size", str(PART))
    assert (by_size.returncode, by_size.stdout.strip()) == (0, shown["fingerprint"])
    assert tool("--expect", shown["fingerprint"]).returncode == 0
    chosen.write_bytes(content[:-1] + b"?")
    changed = tool("--expect", shown["fingerprint"])
    assert changed.returncode == 1 and "does not match" in changed.stderr
    whole = tool()
    assert whole.stdout.strip() == sha256_hex(content[:-1] + b"?")


def test_a_part_whose_bytes_differ_from_what_the_client_hashed_is_refused_by_number(
    api: UploadApi, store: S3Store, small_limits: None, session: Session, s3_admin: Any
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 3])
    hashed = part_of(content, 2)
    damaged = hashed[:1000] + bytes([hashed[1000] ^ 1]) + hashed[1001:]
    # The link is signed for what the client hashed; moto takes other bytes (S3 would not).
    put_part(api, upload_id, 2, damaged, digest=sha256_hex(hashed))

    shown = finished(api, upload_id, fingerprint_of(content, PART))

    assert shown["status"] == "rejected"
    assert shown["reason"].startswith(
        "Part 2 of the file that arrived is not what your browser sent"
    )
    nothing_kept(store, s3_admin, session, upload_id)


def test_parts_sent_and_reported_out_of_order_make_the_same_file(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(16 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [4, 2, 1, 3])
    shown = finished(api, upload_id, fingerprint_of(content, PART))
    assert (shown["status"], shown["fingerprint"]) == ("verified", fingerprint_of(content, PART))


def test_a_part_reported_again_with_another_digest_is_refused_and_the_first_stands(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 2, 3])

    other = report(api, upload_id, 2, sha256_hex(pdf_bytes(PART)))

    assert other.status_code == 409
    assert other.get_json()["message"] == (
        "Part 2 of this file was already sent with another SHA-256 checksum, and the storage "
        "takes only the bytes its link was signed for. If the file changed, cancel this upload "
        "and choose the file again."
    )
    listed = api.parts(upload_id).get_json()["parts"]
    assert listed[1]["sha256"] == sha256_hex(part_of(content, 2))
    shown = finished(api, upload_id, fingerprint_of(content, PART))
    assert (shown["status"], shown["fingerprint"]) == ("verified", fingerprint_of(content, PART))


def test_other_bytes_sent_through_a_parts_signed_link_are_refused(
    api: UploadApi, store: S3Store, small_limits: None, session: Session, s3_admin: Any
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 2, 3])
    # Sent again through a link signed for the first bytes' digest (moto does not enforce it).
    hashed = sha256_hex(part_of(content, 3))
    put_part(api, upload_id, 3, pdf_bytes(len(part_of(content, 3))), digest=hashed)

    shown = finished(api, upload_id, fingerprint_of(content, PART))

    assert shown["status"] == "rejected"
    assert shown["reason"].startswith("Part 3 of the file that arrived is not what")
    nothing_kept(store, s3_admin, session, upload_id)


def test_the_same_part_sent_twice_with_the_same_bytes_is_verified(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 2, 2, 3])
    assert finished(api, upload_id, fingerprint_of(content, PART))["status"] == "verified"


def test_a_part_that_never_arrived_is_named(
    api: UploadApi, store: S3Store, small_limits: None, session: Session, s3_admin: Any
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 3])
    # The client asked for part 2's link too, but never sent it.
    assert report(api, upload_id, 2, sha256_hex(part_of(content, 2))).status_code == 200

    shown = finished(api, upload_id, fingerprint_of(content, PART))

    assert shown["status"] == "rejected"
    assert shown["reason"] == "Part 2 of the file never arrived. Upload the file again."
    nothing_kept(store, s3_admin, session, upload_id)


def test_a_part_whose_digest_was_never_reported_stops_the_check_until_it_is(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 3])  # part 2's link was never asked for

    refused = complete(api, upload_id, fingerprint_of(content, PART))

    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "The checksum of part 2 of the file never arrived. Resume the upload to send it."
    )
    listed = api.parts(upload_id).get_json()["parts"]
    assert [p["part_number"] for p in listed] == [1, 3]  # Resume sends part 2
    assert all("sha256" in p for p in listed)
    send_and_report(api, upload_id, content, [2])
    assert finished(api, upload_id, fingerprint_of(content, PART))["status"] == "verified"


@pytest.mark.parametrize("lie", ["other parts", "part count", "part size"])
def test_a_client_lying_about_the_whole_file_fingerprint_is_refused(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    session: Session,
    s3_admin: Any,
    lie: str,
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 2, 3])
    honest = fingerprint_of(content, PART)
    digest = honest.split("-")[0]
    lies = {
        "other parts": fingerprint_of(pdf_bytes(11 * MiB), PART),
        "part count": f"{digest}-2x{PART}",
        "part size": f"{digest}-3x{PART + 1}",
    }

    shown = finished(api, upload_id, lies[lie])

    assert shown["status"] == "rejected"
    assert shown["reason"].startswith(
        "The file's fingerprint your browser sent does not match the checksums it reported"
    )
    nothing_kept(store, s3_admin, session, upload_id)


@pytest.mark.parametrize("fingerprint", [None, "", "abc-3x5", "0" * 64, 42])
def test_a_malformed_fingerprint_is_refused_and_changes_nothing(
    api: UploadApi, store: S3Store, small_limits: None, fingerprint: object
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 2, 3])
    refused = complete(api, upload_id, fingerprint)
    assert refused.status_code == 422
    assert refused.get_json()["message"].startswith("Send the file's fingerprint")
    assert api.show(upload_id).get_json()["upload"]["status"] == "pending"
    assert finished(api, upload_id, fingerprint_of(content, PART))["status"] == "verified"


def test_digests_cannot_change_once_the_check_was_asked_for(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 2, 3])
    assert finished(api, upload_id, fingerprint_of(content, PART))["status"] == "verified"
    late = report(api, upload_id, 2, "0" * 64)
    assert late.status_code == 409


@pytest.mark.parametrize(
    ("number", "digest", "message"),
    [
        (4, "0" * 64, "Part numbers run from 1 to 3 for this file."),
        (0, "0" * 64, "Part numbers run from 1 to 3 for this file."),
        (1, "xyz", "A part's SHA-256 checksum must be 64 hexadecimal digits."),
        (1, None, "A part's SHA-256 checksum must be 64 hexadecimal digits."),
        (1, "0" * 63, "A part's SHA-256 checksum must be 64 hexadecimal digits."),
        (1, "0" * 66, "A part's SHA-256 checksum must be 64 hexadecimal digits."),
        # In base64, as S3 carries it: the API takes the hex digest the widget computes.
        (1, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "A part's SHA-256 checksum must be"),
    ],
)
def test_a_bad_part_report_is_refused(
    api: UploadApi, small_limits: None, number: int, digest: object, message: str
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    reply = report(api, upload_id, number, digest)
    assert reply.status_code == 422
    assert reply.get_json()["message"].startswith(message)
    assert api.parts(upload_id).get_json()["parts"] == []


def test_an_upload_announced_with_its_sha256_takes_no_part_reports(
    api: UploadApi, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    started = api.started(content)  # with the whole file's SHA-256: checked as one stream
    assert started["upload"]["by_parts"] is False
    reply = report(api, started["upload"]["id"], 1, sha256_hex(part_of(content, 1)))
    assert reply.status_code == 409


def test_someone_elses_upload_takes_no_part_reports(
    api: UploadApi, small_limits: None, client: FlaskClient, session: Session
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    login_as(client, make_user(session, "other@example.org", roles=(Role.CANDIDATE,)))
    stranger = UploadApi(client)
    assert report(stranger, upload_id, 1, sha256_hex(part_of(content, 1))).status_code == 404
    assert session.scalars(select(UploadPartDigest)).all() == []


def test_a_file_of_2_gb_and_one_byte_is_refused_before_anything_is_sent(
    api: UploadApi, session: Session
) -> None:
    reply = api.client.post(
        "/api/uploads",
        json={"filename": "huge.pdf", "size": 2 * 1024 * MiB + 1},
        headers=api.headers,
    )
    assert reply.status_code == 413
    assert reply.get_json()["message"] == "The file is 2.0 GB; files can be at most 2 GB."
    assert session.scalars(select(Upload)).all() == []


def test_a_file_sent_in_one_piece_still_needs_its_sha256(api: UploadApi) -> None:
    reply = api.begin(pdf_bytes(3000), sha256=None)
    assert reply.status_code == 422
    assert "SHA-256" in reply.get_json()["message"]


def test_the_check_reads_unreported_parts_back_with_at_most_the_configured_streams(
    api: UploadApi, store: S3Store, small_limits: None, app: Flask, monkeypatch: Any
) -> None:
    """Parts nobody reported as sent are read back by the check, each as one GET of its staged
    object, at most UPLOAD_VERIFY_STREAMS at once."""
    monkeypatch.setitem(app.config, "UPLOAD_VERIFY_STREAMS", 2)
    reading: list[str] = []
    most = 0
    guard = threading.Lock()
    real = store.read_object

    def counted(key: str, chunk_size: int = MiB, **kwargs: Any) -> tuple[str, Iterator[bytes]]:
        etag, chunks = real(key, chunk_size, **kwargs)

        def watched() -> Iterator[bytes]:
            nonlocal most
            with guard:
                reading.append(key)
                most = max(most, len(reading))
            time.sleep(0.05)  # long enough for a third reader to overlap if one were allowed
            try:
                yield from chunks
            finally:
                with guard:
                    reading.remove(key)

        seen.append(key)
        return etag, watched()

    seen: list[str] = []
    monkeypatch.setattr(store, "read_object", counted)
    content = pdf_bytes(16 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    send_and_report(api, upload_id, content, [1, 2, 3, 4])
    assert finished(api, upload_id, fingerprint_of(content, PART))["status"] == "verified"
    # The check's four reads come first (the reviewers' copy of the PDF reads the parts after).
    assert sorted(key.rsplit(".", 1)[1] for key in seen[:4]) == [
        f"part{n:05d}" for n in (1, 2, 3, 4)
    ]
    assert most == 2


def test_requests_answer_404_for_a_missing_upload(api: UploadApi) -> None:
    assert report(api, 999_999, 1, "0" * 64).status_code == 404


def test_s3_streams_a_range(store: S3Store) -> None:
    data = pdf_bytes(3 * MiB)
    store.put("candidates/1/range-test", data, "application/pdf")
    got = b"".join(store.iter_range("candidates/1/range-test", 1000, 2 * MiB, 256 * 1024))
    assert got == data[1000 : 1000 + 2 * MiB]
    assert b"".join(store.iter_range("candidates/1/range-test", 3 * MiB, 10)) == b""
