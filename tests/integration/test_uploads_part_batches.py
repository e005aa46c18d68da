"""Several parts at once (POST /api/uploads/<id>/parts/links and /parts/sent): the widget asks
for the links of the parts it has hashed ahead in one request, and reports the parts that
landed close together in one, so that a gigabyte's 64 parts cost a few requests each way,
not 128. Each part is kept, signed, read back and compared exactly as one at a time. Against
moto's S3 server, which takes any bytes at a link signed for a checksum (S3 would not), so the
server's own reading is what finds a part that differs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.models import Upload, UploadPartDigest, UploadStatus
from portfolio.services import outbox
from portfolio.services.uploads import staged_parts
from portfolio.storage.s3 import S3Store
from tests.upload_helpers import (
    MiB,
    UploadApi,
    begin_by_parts,
    checksum,
    finish_by_parts,
    part_of,
    pdf_bytes,
    sha256_hex,
    staged_objects,
    use_store,
)

PART = 5 * MiB  # small_limits' part size


@pytest.fixture
def store(app: Flask, s3_store: S3Store) -> Iterator[S3Store]:
    with use_store(app, s3_store):
        yield s3_store


def ask_links(api: UploadApi, upload_id: int, parts: object) -> Any:
    return api.client.post(
        f"/api/uploads/{upload_id}/parts/links", json={"parts": parts}, headers=api.headers
    )


def links_for(api: UploadApi, upload_id: int, content: bytes, numbers: list[int]) -> Any:
    named = [{"part_number": n, "sha256": sha256_hex(part_of(content, n))} for n in numbers]
    reply = ask_links(api, upload_id, named)
    assert reply.status_code == 200, reply.get_json()
    return {p["part_number"]: p for p in reply.json["parts"]}


def report(api: UploadApi, upload_id: int, numbers: object) -> Any:
    return api.client.post(
        f"/api/uploads/{upload_id}/parts/sent", json={"parts": numbers}, headers=api.headers
    )


def test_the_links_of_several_parts_come_in_one_answer_each_signed_for_its_own_digest(
    api: UploadApi, store: S3Store, small_limits: None, session: Session
) -> None:
    content = pdf_bytes(16 * MiB)  # 4 parts
    upload_id = begin_by_parts(api, content)["upload"]["id"]

    links = links_for(api, upload_id, content, [2, 3, 4])

    assert sorted(links) == [2, 3, 4]
    for number, link in links.items():
        assert link["headers"] == {"x-amz-checksum-sha256": checksum(part_of(content, number))}
        assert f".part{number:05d}" in link["url"]
    recorded = session.scalars(
        select(UploadPartDigest).where(UploadPartDigest.upload_id == upload_id)
    ).all()
    assert {(row.part_number, row.sha256) for row in recorded} == {
        (n, sha256_hex(part_of(content, n))) for n in (2, 3, 4)
    }
    links |= links_for(api, upload_id, content, [1])
    for number, link in links.items():
        assert api.put_part(link["url"], part_of(content, number), link["headers"]) == 200

    reply = report(api, upload_id, [4, 1, 3, 2])

    assert reply.status_code == 200
    assert reply.json["parts"] == [{"part_number": n, "checked": True} for n in (1, 2, 3, 4)]
    assert reply.json["upload"]["status"] == "pending"
    assert finish_by_parts(api, upload_id, content, PART)["status"] == "verified"


def test_a_part_that_differs_in_a_report_refuses_the_file_and_nothing_is_kept(
    api: UploadApi, store: S3Store, small_limits: None, s3_admin: Any, session: Session
) -> None:
    content = pdf_bytes(16 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    links = links_for(api, upload_id, content, [1, 2, 3, 4])
    for number, link in links.items():
        part = part_of(content, number)
        if number == 2:
            part = part[:10] + bytes([part[10] ^ 1]) + part[11:]  # damaged on the way
        assert api.put_part(link["url"], part, link["headers"]) == 200

    reply = report(api, upload_id, [1, 2, 3, 4])

    assert reply.status_code == 200
    assert [p["checked"] for p in reply.json["parts"]] == [False] * 4
    assert reply.json["upload"]["status"] == "rejected"
    assert reply.json["upload"]["reason"].startswith(
        "Part 2 of the file that arrived is not what your browser sent"
    )
    upload = session.get(Upload, upload_id)
    session.refresh(upload)
    assert upload.status == UploadStatus.REJECTED
    assert staged_objects(s3_admin, store.bucket, upload.key) == []  # parts 3 and 4 went too
    assert session.scalars(select(UploadPartDigest)).all() == []
    # No more links for it, in a batch or one by one.
    assert ask_links(api, upload_id, [{"part_number": 1, "sha256": "a" * 64}]).status_code == 409


def test_a_part_not_there_yet_is_named_and_does_not_hold_up_the_others(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)  # 3 parts
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    links = links_for(api, upload_id, content, [1, 2, 3])
    for number in (1, 3):
        assert api.put_part(links[number]["url"], part_of(content, number), {}) == 200

    reply = report(api, upload_id, [1, 2, 3])

    assert reply.status_code == 200
    assert reply.json["parts"] == [
        {"part_number": 1, "checked": True},
        {"part_number": 2, "checked": False, "problem": "Part 2 has not arrived; send it again."},
        {"part_number": 3, "checked": True},
    ]
    assert reply.json["upload"]["status"] == "pending"
    assert api.put_part(links[2]["url"], part_of(content, 2), links[2]["headers"]) == 200
    assert (
        finish_by_parts(api, upload_id, content, PART)["status"] == "verified"
    )  # the check read part 2


def test_with_a_task_queue_each_part_reported_is_read_back_by_a_job(
    api: UploadApi,
    app: Flask,
    store: S3Store,
    small_limits: None,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "TASK_BROKER_URL", "redis://127.0.0.1:6379/0")
    queued: list[tuple[str, tuple[object, ...]]] = []
    real_dispatch = outbox.dispatch

    def dispatch(app: Flask, task_name: str, args: tuple[object, ...]) -> bool:
        queued.append((task_name, args))
        return real_dispatch(app, task_name, args)  # eager here: run in-process

    monkeypatch.setattr(outbox, "dispatch", dispatch)
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    links = links_for(api, upload_id, content, [1, 2])
    for number, link in links.items():
        assert api.put_part(link["url"], part_of(content, number), link["headers"]) == 200

    reply = report(api, upload_id, [1, 2])

    assert reply.status_code == 202
    assert reply.json["parts"] == [{"part_number": n, "checked": False} for n in (1, 2)]
    assert sorted(queued) == [(staged_parts.CHECK_PART_JOB, (upload_id, n)) for n in (1, 2)]
    for number in (1, 2):
        row = session.get(UploadPartDigest, (upload_id, number))
        session.refresh(row)
        assert row.checked_at is not None  # the job read it back and it matched


DIGEST = "ab" * 32


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ("1", "Name at least one part, with its SHA-256."),
        ([], "Name at least one part, with its SHA-256."),
        ([1], "Each part is {part_number, sha256}."),
        ([{"sha256": DIGEST}], "Part numbers are whole numbers."),
        ([{"part_number": 4, "sha256": DIGEST}], "Part numbers run from 1 to 3 for this file."),
        (
            [{"part_number": 1, "sha256": DIGEST}, {"part_number": 1, "sha256": DIGEST}],
            "Part 1 is named twice.",
        ),
        ([{"part_number": n, "sha256": DIGEST} for n in range(1, 18)], "Name at most 16 parts"),
        ([{"part_number": 1, "sha256": "not hex"}], "SHA-256"),
        ([{"part_number": 1, "sha256": DIGEST}, {"part_number": 2}], "SHA-256"),
    ],
)
def test_a_bad_request_for_several_links_is_a_422_that_says_why_and_keeps_nothing(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    session: Session,
    parts: object,
    message: str,
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]

    reply = ask_links(api, upload_id, parts)

    assert reply.status_code == 422, reply.get_json()
    assert message in reply.get_json()["message"]
    assert session.scalars(select(UploadPartDigest)).all() == []  # not even the good ones


@pytest.mark.parametrize(
    ("parts", "status", "message"),
    [
        ([], 422, "Ask for at least one part number."),
        ("1", 422, "Ask for at least one part number."),
        (None, 422, "Ask for at least one part number."),
        ({"1": True}, 422, "Ask for at least one part number."),
        (["1"], 422, "Part numbers are whole numbers."),
        ([0], 422, "Part numbers run from 1 to 3 for this file."),
        (list(range(1, 18)), 422, "Too many part numbers asked for."),
    ],
)
def test_a_bad_report_of_several_parts_is_a_clear_4xx(
    api: UploadApi,
    store: S3Store,
    small_limits: None,
    parts: object,
    status: int,
    message: str,
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    reply = report(api, upload_id, parts)
    assert reply.status_code == status
    assert reply.get_json()["message"] == message


@pytest.mark.parametrize("asked", ["links", "sent"])
def test_another_persons_upload_gets_neither_links_nor_reports(
    api: UploadApi, store: S3Store, small_limits: None, client: Any, asked: str
) -> None:
    from portfolio.extensions import db
    from tests.helpers import login_as, make_user

    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    login_as(client, make_user(db.session, "other-batches@example.org"))
    named = [{"part_number": 1, "sha256": sha256_hex(part_of(content, 1))}]
    reply = ask_links(api, upload_id, named) if asked == "links" else report(api, upload_id, [1])
    assert reply.status_code == 404


def test_a_part_already_signed_for_another_digest_refuses_the_batch_and_keeps_none_of_it(
    api: UploadApi, store: S3Store, small_limits: None, session: Session
) -> None:
    """The store takes only the bytes a part's first link was signed for: a batch naming that
    part with another digest is a 409, and the parts named before it are not kept either."""
    content = pdf_bytes(16 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    links_for(api, upload_id, content, [3])
    named = [
        {"part_number": 1, "sha256": sha256_hex(part_of(content, 1))},
        {"part_number": 3, "sha256": sha256_hex(b"other bytes")},
    ]

    reply = ask_links(api, upload_id, named)

    assert reply.status_code == 409
    assert reply.get_json()["message"].startswith(
        "Part 3 of this file was already sent with another SHA-256 checksum"
    )
    kept = session.scalars(
        select(UploadPartDigest).where(UploadPartDigest.upload_id == upload_id)
    ).all()
    assert [(row.part_number, row.sha256) for row in kept] == [(3, sha256_hex(part_of(content, 3)))]


def test_no_links_once_the_check_was_asked_for(
    api: UploadApi, store: S3Store, small_limits: None
) -> None:
    content = pdf_bytes(11 * MiB)
    upload_id = begin_by_parts(api, content)["upload"]["id"]
    links = links_for(api, upload_id, content, [1, 2, 3])
    for number, link in links.items():
        assert api.put_part(link["url"], part_of(content, number), link["headers"]) == 200
    assert finish_by_parts(api, upload_id, content, PART)["status"] == "verified"
    named = [{"part_number": 1, "sha256": sha256_hex(part_of(content, 1))}]
    reply = ask_links(api, upload_id, named)
    assert reply.status_code == 409
    assert reply.get_json()["message"] == (
        "This upload is finished; start a new one to send the file again."
    )
