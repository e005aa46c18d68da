"""Reviewers get images (and PDFs) without the metadata that could unblind a review; candidates
keep theirs.

A photo's EXIF says where it was taken (GPS), with which camera (serial numbers) and by whom
(artist, owner); XMP, IPTC, comments and PNG text chunks say more. Verification writes a copy
without any of it, every download by someone other than the owner gets that copy, and
reconcile counts it as the row's.
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, PngImagePlugin
from sqlalchemy import select
from sqlalchemy.orm import Session

from portfolio.domain.portfolios.snapshots import snapshot_sha256
from portfolio.models import Assignment, Upload, UploadStatus, User
from portfolio.models.base import utcnow
from portfolio.services.reviewing import assignments
from portfolio.services.uploads.reconcile import reconcile
from portfolio.services.uploads.reviewer_copies import copy_key_of
from portfolio.storage.local import LocalStore
from portfolio.storage_binding import local_link
from tests.helpers import login_as
from tests.review_fixtures import World, make_world
from tests.upload_helpers import UploadApi, sha256_hex, use_store

TODAY = date(2025, 3, 3)
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION, ARTIST, MAKE, BODY_SERIAL = 0x0112, 0x013B, 0x010F, 0xA431


@pytest.fixture
def store(app: Flask, tmp_path: Path) -> Iterator[LocalStore]:
    local = LocalStore(tmp_path / "objects", app.config["SECRET_KEY"], local_link)
    with use_store(app, local):
        yield local


def photo_with_gps() -> bytes:
    """A JPEG as a phone writes it: GPS position, camera serial, artist, a comment."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[ARTIST] = "Casey Candidate"
    exif[MAKE] = "Canon"
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL] = "SERIAL-0042"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"Casey's holiday", quality=90)
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Casey Candidate")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>Springfield Library</x:xmpmeta>")
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def name_in_snapshot(session: Session, world: World, upload: Upload) -> None:
    """Make the first artifact of the world's submitted snapshot this upload."""
    snapshot = copy.deepcopy(world.submission.snapshot)
    snapshot["competencies"][0]["artifacts"][0]["file"]["key"] = upload.key
    world.submission.snapshot = snapshot
    world.submission.snapshot_sha256 = snapshot_sha256(snapshot)  # else the reader refuses it
    session.flush()


def assigned_reviewer(session: Session, world: World) -> User:
    assignments.assign_for_submission(session, world.submission, TODAY)
    session.commit()
    assignment = session.scalars(
        select(Assignment).where(Assignment.submission_id == world.submission.id)
    ).first()
    assert assignment is not None
    return next(r for r in world.reviewers if r.id == assignment.reviewer_id)


def download(client: FlaskClient, upload_id: int) -> bytes:
    reply = client.get(f"/files/{upload_id}")
    assert reply.status_code == 303, reply.get_data(as_text=True)
    fetched = client.get(reply.headers["Location"])
    assert fetched.status_code == 200
    return bytes(fetched.data)


def uploaded(client: FlaskClient, world: World, content: bytes, name: str, mime: str) -> dict:
    login_as(client, world.candidate)
    return UploadApi(client).upload(content, name, content_type=mime)


def test_a_reviewer_gets_the_photo_without_its_location_and_the_candidate_the_original(
    client: FlaskClient, session: Session, store: LocalStore
) -> None:
    world = make_world(session, reviewers=2)
    original = photo_with_gps()
    shown = uploaded(client, world, original, "holiday.jpg", "image/jpeg")
    assert shown["status"] == "verified" and shown["content_type"] == "image/jpeg"
    upload = session.get(Upload, shown["id"])
    assert upload is not None and upload.reviewer_key == copy_key_of(upload)
    name_in_snapshot(session, world, upload)
    reviewer = assigned_reviewer(session, world)

    login_as(client, world.candidate)
    mine = download(client, upload.id)
    assert mine == original
    assert Image.open(io.BytesIO(mine)).getexif().get_ifd(GPS_IFD)[2] == (51.0, 30.0, 12.5)

    login_as(client, reviewer)
    theirs = download(client, upload.id)
    cleaned = Image.open(io.BytesIO(theirs))
    exif = cleaned.getexif()
    assert dict(exif) == {ORIENTATION: 6}  # shown the right way up, and nothing else
    assert exif.get_ifd(GPS_IFD) == {} and exif.get_ifd(EXIF_IFD) == {}
    assert "comment" not in cleaned.info
    for secret in (b"Casey", b"SERIAL-0042", b"Canon"):
        assert secret not in theirs
    assert cleaned.size == (64, 48)
    cleaned.load()  # a whole, decodable picture

    report = reconcile(session, store, utcnow(), apply=True)
    assert report.orphans == [] and report.clean
    assert store.stat(upload.reviewer_key) is not None
    assert download(client, upload.id) == theirs


def test_png_text_chunks_and_xmp_are_not_in_the_reviewers_copy(
    client: FlaskClient, session: Session, store: LocalStore
) -> None:
    world = make_world(session, reviewers=2)
    shown = uploaded(client, world, png_with_text(), "scan.png", "image/png")
    upload = session.get(Upload, shown["id"])
    assert upload is not None
    name_in_snapshot(session, world, upload)
    login_as(client, assigned_reviewer(session, world))

    theirs = download(client, upload.id)
    image = Image.open(io.BytesIO(theirs))
    assert image.text == {} and b"Casey" not in theirs and b"Springfield" not in theirs
    assert image.getpixel((3, 3)) == (0, 0, 255, 128)


def pdf_with_author() -> bytes:
    """A PDF as a word processor writes it: the author in its properties and its XMP, and a
    comment signed with the author's name."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Casey Candidate"
    pdf.docinfo["/Title"] = "Minutes of the Springfield Library board"
    with pdf.open_metadata() as meta:
        meta["dc:creator"] = ["Casey Candidate"]
    note = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=[0, 0, 20, 20],
        T=pikepdf.String("Casey Candidate"),
        Contents=pikepdf.String("See the second item."),
    )
    pdf.pages[0].obj["/Annots"] = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note)]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_reviewer_gets_a_pdf_without_its_author_and_the_candidate_the_original(
    client: FlaskClient, session: Session, store: LocalStore
) -> None:
    """Found by a browser pass: a PDF's /Author reached the reviewer of a blind review."""
    world = make_world(session, reviewers=2)
    original = pdf_with_author()
    assert b"Casey" in original
    shown = uploaded(client, world, original, "minutes.pdf", "application/pdf")
    upload = session.get(Upload, shown["id"])
    assert upload is not None and upload.reviewer_key == copy_key_of(upload)
    name_in_snapshot(session, world, upload)
    reviewer = assigned_reviewer(session, world)

    login_as(client, world.candidate)
    assert download(client, upload.id) == original

    login_as(client, reviewer)
    theirs = download(client, upload.id)
    for secret in (b"Casey", b"Springfield"):
        assert secret not in theirs
    with pikepdf.open(io.BytesIO(theirs)) as copy_of:
        assert len(copy_of.pages) == 1
        [note] = copy_of.pages[0].Annots
        assert str(note.Contents) == "See the second item."  # the comment stays, unsigned
    report = reconcile(session, store, utcnow(), apply=True)
    assert report.orphans == [] and report.clean


def test_a_reviewer_gets_a_word_file_without_its_author(
    client: FlaskClient, session: Session, store: LocalStore
) -> None:
    from tests.unit.test_document_metadata import WORD, word_with_author

    world = make_world(session, reviewers=2)
    original = word_with_author()
    shown = uploaded(client, world, original, "plan.docx", WORD)
    upload = session.get(Upload, shown["id"])
    assert upload is not None and upload.reviewer_key == copy_key_of(upload)
    name_in_snapshot(session, world, upload)
    reviewer = assigned_reviewer(session, world)
    login_as(client, world.candidate)
    assert download(client, upload.id) == original
    login_as(client, reviewer)
    with zipfile.ZipFile(io.BytesIO(download(client, upload.id))) as theirs:
        assert all(b"Casey" not in theirs.read(name) for name in theirs.namelist())
        assert b"Shelving plan" in theirs.read("word/document.xml")


def test_a_pdf_qpdf_cannot_read_as_it_is_still_counts_and_reaches_reviewers_as_sent(
    client: FlaskClient, session: Session, store: LocalStore
) -> None:
    world = make_world(session, reviewers=2)
    damaged = pdf_with_author()[:-200]  # cut off: only a repair could read it
    shown = uploaded(client, world, damaged, "cut.pdf", "application/pdf")
    assert shown["status"] == "verified"
    upload = session.get(Upload, shown["id"])
    assert upload is not None and upload.reviewer_key is None
    name_in_snapshot(session, world, upload)
    login_as(client, assigned_reviewer(session, world))
    assert download(client, upload.id) == damaged


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00garbage" * 50, "broken.jpg"),
        (photo_with_gps()[:300], "cut.jpg"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xff\xff\xff\xff\xff\xff\xff" + bytes(64),
            "huge.png",
        ),
    ],
)
def test_an_image_that_cannot_be_cleaned_is_refused_with_a_reason(
    client: FlaskClient, session: Session, store: LocalStore, content: bytes, name: str
) -> None:
    world = make_world(session, reviewers=1)
    login_as(client, world.candidate)
    api = UploadApi(client)
    started = api.started(content, name, content_type="image/jpeg")
    api.send(started, content)
    reply = api.complete(started["upload"]["id"])

    assert reply.status_code == 200
    shown = reply.get_json()["upload"]
    assert shown["status"] == "rejected"
    assert "image" in shown["reason"].lower()
    upload = session.get(Upload, shown["id"])
    assert upload is not None and upload.reviewer_key is None
    assert list(store.list_keys("candidates/")) == []  # nothing left behind after the commit


def test_an_image_verified_before_copies_existed_is_never_handed_to_a_reviewer(
    app: Flask, client: FlaskClient, session: Session, store: LocalStore
) -> None:
    world = make_world(session, reviewers=2)
    key = world.submission.snapshot["competencies"][0]["artifacts"][0]["file"]["key"]
    original = photo_with_gps()
    store.put(key, original, "image/jpeg")
    upload = Upload(
        owner_id=world.candidate.id,
        key=key,
        original_name="old.jpg",
        declared_size=len(original),
        declared_sha256=sha256_hex(original),
        status=UploadStatus.VERIFIED,
        content_type="image/jpeg",
        size=len(original),
        sha256=sha256_hex(original),
        expires_at=utcnow(),
    )
    session.add(upload)
    session.flush()
    login_as(client, assigned_reviewer(session, world))

    reply = client.get(f"/files/{upload.id}")
    assert reply.status_code == 404
    assert "not ready for review" in reply.get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["storage", "prepare-images"])
    assert result.exit_code == 0 and "Prepared 1 of 1 file(s)" in result.output
    theirs = download(client, upload.id)
    assert (
        b"Casey" not in theirs and Image.open(io.BytesIO(theirs)).getexif().get_ifd(GPS_IFD) == {}
    )
    assert reconcile(session, store, utcnow()).orphans == []  # the copy is the row's


def test_documents_verified_before_copies_existed_are_prepared_when_they_can_be_cleaned(
    app: Flask, session: Session, store: LocalStore
) -> None:
    world = make_world(session, reviewers=1)
    made = []
    for n, content in enumerate((pdf_with_author(), pdf_with_author()[:-200])):
        key = f"candidates/{world.candidate.id}/artifacts/{n + 1:032x}"
        store.put(key, content, "application/pdf")
        upload = Upload(
            owner_id=world.candidate.id,
            key=key,
            original_name=f"old-{n}.pdf",
            declared_size=len(content),
            declared_sha256=sha256_hex(content),
            status=UploadStatus.VERIFIED,
            content_type="application/pdf",
            size=len(content),
            sha256=sha256_hex(content),
            expires_at=utcnow(),
        )
        session.add(upload)
        made.append(upload)
    session.commit()
    result = app.test_cli_runner().invoke(args=["storage", "prepare-images"])
    assert result.exit_code == 0, result.output
    assert "Prepared 1 of 2 file(s)" in result.output
    assert f"upload {made[1].id}: no copy (it cannot be cleaned: sent as it is)" in result.output
    session.refresh(made[0])
    assert made[0].reviewer_key is not None
    assert b"Casey" not in b"".join(store.iter_chunks(made[0].reviewer_key))


def test_reconcile_keeps_a_pending_uploads_copy_and_drops_a_refused_ones(
    session: Session, store: LocalStore
) -> None:
    world = make_world(session, reviewers=1)
    rows = []
    for n in range(2):
        upload = Upload(
            owner_id=world.candidate.id,
            key=f"candidates/{world.candidate.id}/artifacts/{n:032x}",
            original_name="photo.jpg",
            declared_size=10,
            declared_sha256="0" * 64,
            status=UploadStatus.PENDING,
            expires_at=utcnow().replace(year=2999),
        )
        session.add(upload)
        rows.append(upload)
    session.flush()
    refused = rows[1]
    refused.status = UploadStatus.REJECTED
    session.commit()
    # What a completion cut short after writing the copy leaves, and an older refused one's.
    for upload in rows:
        store.put(copy_key_of(upload), b"copy", "image/jpeg")

    report = reconcile(session, store, utcnow())

    assert [info.key for info in report.orphans] == [copy_key_of(refused)]
