"""A candidate brings their portfolio export from one installation into another, as a draft.

The round trip: installation A (the test run's app, database and object store) exports; B (a
second app with a SQLite database and a local object store of its own) imports; B exports again;
the two documents agree and every file is the same, byte for byte. Compared without what belongs
to one installation (see `comparable`): ids (artifact ids, and the file paths made from them),
`exported_at`, the person's name and email (the account there and here), the enrollment's dates
and status, and each set's status and submissions (never imported: a draft here).

Then each bad input the issue names: nothing is kept (no row, no object), a clear message, a 4xx.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import random
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio import create_app
from portfolio.domain.lifecycle import SetLifecycle
from portfolio.domain.uploads.filenames import candidate_prefix
from portfolio.extensions import db
from portfolio.models import (
    Artifact,
    AuditEvent,
    Base,
    EnrollmentSet,
    Portfolio,
    PortfolioImport,
    Route,
    Upload,
    UploadStatus,
)
from portfolio.services.portfolios import artifacts, entries, submissions
from portfolio.storage_binding import get_store
from portfolio.web import clock
from tests.helpers import csrf_token, login_as
from tests.portfolio_fixtures import Candidate, enroll, fill_set, make_framework, make_upload
from tests.upload_helpers import use_store

PDF = b"%PDF-1.7 minutes of the meeting " * 1000
IMPORT = "/me/portfolio/import"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def export_of(client: FlaskClient) -> bytes:
    response = client.get("/me/portfolio/export.zip")
    assert response.status_code == 200
    return response.get_data()


def post_import(
    client: FlaskClient, archive: bytes, name: str = "portfolio.zip"
) -> Any:  # TestResponse
    token = csrf_token(client, IMPORT)
    return client.post(
        IMPORT,
        data={"csrf_token": token, "archive": (io.BytesIO(archive), name)},
        content_type="multipart/form-data",
    )


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The document without what belongs to one installation: artifacts are named by their
    place in the list, file paths lose their id, and the person, enrollment dates, set statuses
    and submissions are left out."""
    place = {a["id"]: n for n, a in enumerate(document["artifacts"])}
    artifacts_ = []
    for artifact in document["artifacts"]:
        item = {k: v for k, v in artifact.items() if k != "id"}
        if "file" in item:
            item["file"] = {**item["file"], "path": item["file"]["path"].split("-", 1)[1]}
        artifacts_.append(item)
    return {
        "format": document["format"],
        "version": document["version"],
        "program": {k: document["program"][k] for k in ("slug", "name", "version")},
        "learning_statement": document["learning_statement"],
        "sets": [
            {
                "code": s["code"],
                "name": s["name"],
                "route": s["route"],
                "competencies": [
                    {**c, "artifacts": sorted(place[a] for a in c["artifacts"])}
                    for c in s["competencies"]
                ],
            }
            for s in document["sets"]
        ],
        "artifacts": artifacts_,
    }


def files_of(archive: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The document and every artifact's bytes by the artifact's place in the list."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        document = json.loads(opened.read("portfolio.json"))
        files = {
            f"{n}": opened.read(a["file"]["path"])
            for n, a in enumerate(document["artifacts"])
            if "file" in a
        }
    return document, files


@pytest.fixture
def installation_b(app_settings: dict[str, object], tmp_path) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """A second installation: its own app, SQLite database and object store, with the same
    program (by code) and a candidate enrolled in it."""
    settings = {
        **app_settings,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}",
        "OBJECT_STORE_URL": f"file://{tmp_path / 'objects-b'}",
    }
    other = create_app(settings)
    engine = db.engine_for(other)
    Base.metadata.create_all(engine)
    with other.app_context():
        framework = make_framework(db.session)
        enroll(db.session, framework, "alice@b.example", name="Alice Archivist")
        db.session.commit()
    yield other
    engine.dispose()


def add_file(
    session: Session, candidate: Candidate, content: bytes, name: str, mime: str, codes: list[str]
) -> Artifact:
    upload = make_upload(session, candidate.user, name=name, content=content)
    upload.content_type = mime
    get_store().put(upload.key, content, mime)
    return artifacts.add_file_artifact(
        session,
        candidate.portfolio(session),
        upload_id=upload.id,
        caption=f"Caption of {name}",
        description=f"What {name} shows.",
        competency_ids=[candidate.entry(session, code).competency_id for code in codes],
        actor=candidate.user,
    )


def test_a_portfolio_goes_from_one_installation_to_another_and_back_unchanged(
    client, session, signed_in, installation_b
):
    add_file(session, signed_in, PDF, "Minutes ñ.pdf", "application/pdf", ["S1-1", "S2-1"])
    add_file(session, signed_in, png_bytes(), "shelf.png", "image/png", ["S1-2"])
    fill_set(session, signed_in, signed_in.sets[0])
    entry = signed_in.entry(session, "S2-2")
    entries.update_narrative(session, entry, "Only *this*.<script>x()</script>", entry.version)
    session.commit()
    submissions.submit_set(session, signed_in.sets[0], signed_in.user, clock.today())
    session.commit()
    from_a = export_of(client)

    client_b = installation_b.test_client()
    with installation_b.app_context():
        login_as(client_b, db.session.scalars(select(Portfolio)).one().enrollment.user)
    response = post_import(client_b, from_a, "portfolio-pfx.zip")
    assert response.status_code == 303, response.get_data(as_text=True)
    result = client_b.get(response.headers["Location"])
    page = result.get_data(as_text=True)
    assert result.status_code == 200 and "Your portfolio is imported" in page
    assert "Every narrative and artifact found its place" in page
    assert "Set S1: 1 submission and the outcome (submitted)" in page  # left with A
    from_b = export_of(client_b)

    document_a, files_a = files_of(from_a)
    document_b, files_b = files_of(from_b)
    assert comparable(document_b) == comparable(document_a)
    assert files_b == files_a and len(files_a) == 2  # byte for byte
    assert document_b["person"]["email"] == "alice@b.example"
    assert [s["submissions"] for s in document_b["sets"]] == [[], []]  # a draft in B
    assert {s["status"] for s in document_b["sets"]} == {"draft"}
    with installation_b.app_context():
        uploads = db.session.scalars(select(Upload)).all()
        assert {u.status for u in uploads} == {UploadStatus.VERIFIED}
        assert {u.content_type for u in uploads} == {"application/pdf", "image/png"}
        png = next(u for u in uploads if u.content_type == "image/png")
        assert png.reviewer_key and get_store().stat(png.reviewer_key) is not None
        portfolio = db.session.scalars(select(Portfolio)).one()
        assert "<script" not in portfolio.entries[-1].narrative_html
        assert "<em>this</em>" in portfolio.entries[-1].narrative_html
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert "portfolio.imported" in actions
        issued = ("submission.", "outcome.", "certification.", "certificate.", "review.")
        assert not [a for a in actions if a.startswith(issued)]


# --- bad inputs ---------------------------------------------------------------------------


def document(content: bytes = PDF, **changes: Any) -> dict[str, Any]:
    """A valid version 1 document for the `framework` fixture's program (slug pfx): one PDF
    file supporting S1-1, one link supporting S1-2."""
    doc: dict[str, Any] = {
        "format": "portfolio-export",
        "version": 1,
        "exported_at": "2026-11-30T10:00:00+00:00",
        "person": {"name": "Alice", "email": "alice@elsewhere.example"},
        "program": {
            "slug": "pfx",
            "name": "Program pfx",
            "version": 1,
            "enrolled_on": "2026-01-01",
            "window_ends_on": "2030-01-01",
            "status": "active",
        },
        "learning_statement": "What I learned.",
        "sets": [
            {
                "code": "S1",
                "name": "Set 1",
                "route": "portfolio",
                "status": "draft",
                "competencies": [
                    {"code": "S1-1", "title": "C 1.1", "narrative": "One.", "artifacts": [1]},
                    {"code": "S1-2", "title": "C 1.2", "narrative": "Two.", "artifacts": [2]},
                ],
                "submissions": [],
            }
        ],
        "artifacts": [
            {
                "id": 1,
                "kind": "file",
                "caption": "Minutes",
                "description": "",
                "file": {
                    "path": "files/1-minutes.pdf",
                    "original_name": "minutes.pdf",
                    "content_type": "application/pdf",
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                },
            },
            {
                "id": 2,
                "kind": "link",
                "caption": "Blog",
                "description": "",
                "url": "https://blog.example/post",
            },
        ],
    }
    doc.update(changes)
    return doc


def archive_of(doc: dict[str, Any], files: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("portfolio.json", json.dumps(doc))
        for name, content in (files if files is not None else {"files/1-minutes.pdf": PDF}).items():
            archive.writestr(name, content)
    return out.getvalue()


def kept(session: Session, candidate: Candidate) -> dict[str, object]:
    """Everything an import could have left behind for `candidate`."""
    session.expire_all()
    portfolio = candidate.portfolio(session)
    return {
        "uploads": session.scalar(
            select(func.count(Upload.id)).where(Upload.owner_id == candidate.user.id)
        ),
        "artifacts": len(portfolio.artifacts),
        "statement": portfolio.learning_statement,
        "narratives": [e.narrative for e in portfolio.entries if e.narrative],
        "imports": session.scalar(select(func.count(PortfolioImport.id))),
        "objects": sorted(
            o.key for o in get_store().list_keys(candidate_prefix(candidate.user.id))
        ),
    }


NOTHING_KEPT = {"uploads": 0, "artifacts": 0, "statement": "", "narratives": [], "imports": 0}


def nothing_kept(session: Session, candidate: Candidate, objects_before: list[str]) -> bool:
    """No row, and no object beyond those the store held before (the test run's store is
    shared by its tests; the database is rolled back after each)."""
    state = kept(session, candidate)
    return state.pop("objects") == objects_before and state == NOTHING_KEPT


def refused(client: FlaskClient, session: Session, candidate: Candidate, archive: bytes) -> str:
    """Post `archive`; assert it was refused with a 4xx and nothing kept; the page's text."""
    objects_before = kept(session, candidate)["objects"]
    response = post_import(client, archive)
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, text[:500])
    assert "Your portfolio was not imported" in text
    assert "Nothing was imported" in text or "nothing was imported" in text
    assert nothing_kept(session, candidate, objects_before)
    return re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&#34;", '"'))


def test_a_clean_import_lands_as_a_draft_and_names_what_has_no_place(client, session, signed_in):
    doc = document()
    doc["sets"].append(
        {
            "code": "S9",
            "name": "A set only the other installation has",
            "route": "portfolio",
            "status": "met",
            "competencies": [{"code": "S9-1", "title": "X", "narrative": "Nine.", "artifacts": []}],
            "submissions": [],
        }
    )
    objects_before = kept(session, signed_in)["objects"]
    files = {"files/1-minutes.pdf": PDF, "extra/notes.txt": b"not evidence"}
    response = post_import(client, archive_of(doc, files))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 file in the archive that the document does not name" in page
    assert "Competency S9-1 (X): not placed" in page
    assert "set S9 is not one you take on the portfolio route" in page
    assert "The export was made under version" not in page  # the same version as here
    again = client.get("/me/portfolio/import").get_data(as_text=True)
    assert f'href="{response.headers["Location"]}">read its report</a>' in again
    state = kept(session, signed_in)
    assert state["uploads"] == 1 and state["artifacts"] == 2
    assert len(set(state["objects"]) - set(objects_before)) == 1
    assert state["narratives"] == ["One.", "Two."]
    statuses = {s.competency_set.code: s.status for s in session.scalars(select(EnrollmentSet))}
    assert statuses == {"S1": SetLifecycle.DRAFT, "S2": SetLifecycle.NOT_STARTED}


def test_an_export_of_another_program_version_is_imported_with_a_word_about_it(
    client, session, signed_in
):
    doc = document()
    doc["program"]["version"] = 7
    response = post_import(client, archive_of(doc, {"files/1-minutes.pdf": PDF}))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "The export was made under version 7 of the program, and you are enrolled under "
        "version 1" in page
    )


def test_a_path_traversal_name_is_refused(client, session, signed_in):
    files = {"files/1-minutes.pdf": PDF, "../../outside.pdf": PDF}
    text = refused(client, session, signed_in, archive_of(document(), files))
    assert "'../../outside.pdf'" in text and "outside its folder" in text


@pytest.mark.parametrize(
    "name", ["/etc/cron.d/x", "files\\..\\x.pdf", "C:/x.pdf", "files/a\x00.pdf"]
)
def test_absolute_backslash_and_nul_names_are_refused(client, session, signed_in, name):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("portfolio.json", json.dumps(document()))
        archive.writestr("files/1-minutes.pdf", PDF)
        info = zipfile.ZipInfo("placeholder")
        archive.writestr(info, b"x")
    raw = out.getvalue().replace(b"placeholder", name.encode()[:11].ljust(11, b"_"))
    text = refused(client, session, signed_in, raw)
    assert "outside its folder" in text


def test_a_zip_bomb_is_refused_without_being_unpacked(client, session, signed_in):
    zeros = bytes(64 * 1024 * 1024)
    bomb = archive_of(document(zeros), {"files/1-minutes.pdf": zeros})
    assert len(bomb) < 1024 * 1024
    text = refused(client, session, signed_in, bomb)
    assert "zip bomb" in text and "64 MB" in text


def test_a_directory_that_lies_about_a_size_is_caught_by_its_crc(client, session, signed_in):
    # The directory says 1,000 bytes where the member unpacks to more: reading stops at 1,000.
    big = b"%PDF-1.7 " + bytes(500_000)
    raw = archive_of(document(big[:1000]), {"files/1-minutes.pdf": big})
    with zipfile.ZipFile(io.BytesIO(raw)) as opened:
        info = opened.getinfo("files/1-minutes.pdf")
    lie = (1000).to_bytes(4, "little")
    raw = raw.replace(info.file_size.to_bytes(4, "little") + b"\x13\x00", lie + b"\x13\x00")
    text = refused(client, session, signed_in, raw)
    assert "The file files/1-minutes.pdf" in text and "is damaged in the archive" in text


def tampered_end_record(raw: bytes, *, offset_by: int = 0, directory_size: int | None = None):
    """`raw` with its end-of-central-directory record changed (the directory's offset moved
    by `offset_by`, or its size replaced)."""
    data = bytearray(raw)
    end = data.rfind(b"PK\x05\x06")
    if offset_by:
        offset = int.from_bytes(data[end + 16 : end + 20], "little")
        data[end + 16 : end + 20] = (offset + offset_by).to_bytes(4, "little")
    if directory_size is not None:
        data[end + 12 : end + 16] = directory_size.to_bytes(4, "little")
    return bytes(data)


def test_a_member_placed_before_the_archive_starts_is_refused(client, session, signed_in):
    # The end record's directory offset is moved on: zipfile then places every member before
    # the start of the file, and opening one would seek there (a ValueError, not a refusal).
    raw = tampered_end_record(archive_of(document()), offset_by=100_000)
    text = refused(client, session, signed_in, raw)
    assert "before its own start" in text


def test_a_directory_larger_than_an_export_has_is_refused_unread(client, session, signed_in):
    raw = tampered_end_record(archive_of(document()), directory_size=2**31)
    text = refused(client, session, signed_in, raw)
    assert "list of entries takes" in text


def test_another_schema_version_is_refused_naming_it(client, session, signed_in):
    text = refused(client, session, signed_in, archive_of(document(version=2)))
    assert "version 2 of the portfolio export format" in text
    assert "reads version 1 only" in text


def test_a_document_the_schema_refuses_says_where(client, session, signed_in):
    doc = document()
    doc["sets"][0]["competencies"][0]["code"] = 5
    text = refused(client, session, signed_in, archive_of(doc))
    assert "sets[0].competencies[0].code" in text


def test_duplicated_ids_are_refused(client, session, signed_in):
    doc = document()
    doc["artifacts"][1]["id"] = 1
    text = refused(client, session, signed_in, archive_of(doc))
    assert "artifact id 1 appears twice" in text


def test_a_file_whose_sha256_disagrees_is_refused(client, session, signed_in):
    doc = document()
    doc["artifacts"][0]["file"]["sha256"] = hashlib.sha256(b"another file").hexdigest()
    text = refused(client, session, signed_in, archive_of(doc))
    assert "files/1-minutes.pdf" in text and "SHA-256 checksum differs" in text


def test_a_file_the_type_check_refuses_is_refused(client, session, signed_in):
    page = b"<html><body><script>alert(1)</script></body></html>" * 20
    doc = document(page)
    text = refused(client, session, signed_in, archive_of(doc, {"files/1-minutes.pdf": page}))
    assert "files/1-minutes.pdf" in text and "was refused when it was checked" in text


def test_a_file_that_is_not_a_zip_is_refused(client, session, signed_in):
    text = refused(client, session, signed_in, b"%PDF-1.7 not a zip at all")
    assert "not a zip archive" in text


def test_another_program_is_refused_naming_both(client, session, signed_in):
    doc = document()
    doc["program"] = {**doc["program"], "slug": "other", "name": "Other program"}
    text = refused(client, session, signed_in, archive_of(doc))
    assert "'Other program' (code 'other')" in text and "'Program pfx' (code 'pfx')" in text


def test_an_archive_over_the_size_limit_is_refused_before_it_is_read(
    app, client, session, signed_in, monkeypatch
):
    monkeypatch.setitem(app.config, "PORTFOLIO_IMPORT_MAX_BYTES", 1000)
    text = refused(client, session, signed_in, archive_of(document()) + bytes(200_000))
    assert "larger than the 1000 bytes one import takes" in text


def test_a_portfolio_with_evidence_is_not_written_over(client, session, signed_in):
    portfolio = signed_in.portfolio(session)
    entries.update_learning_statement(session, portfolio, "Mine.", portfolio.version)
    session.commit()
    response = post_import(client, archive_of(document()))
    assert response.status_code == 409
    assert "fills an empty portfolio only" in response.get_data(as_text=True)
    assert signed_in.portfolio(session).learning_statement == "Mine."


def test_a_set_on_the_course_route_takes_nothing(client, session, signed_in):
    for enrollment_set in signed_in.sets:
        enrollment_set.route = Route.COURSE
    session.commit()
    text = refused(client, session, signed_in, archive_of(document()))
    assert "set S1 is on the course route here" in text


def test_without_csrf_token_nothing_happens(client, session, signed_in):
    objects_before = kept(session, signed_in)["objects"]
    response = client.post(
        IMPORT,
        data={"archive": (io.BytesIO(archive_of(document())), "p.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert nothing_kept(session, signed_in, objects_before)


def test_another_persons_import_is_not_found(client, session, signed_in, bob):
    response = post_import(client, archive_of(copy.deepcopy(document())))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert client.get(location).status_code == 200
    login_as(client, bob.user)
    response = client.get(location)
    assert response.status_code == 404
    assert "Alice" not in response.get_data(as_text=True)


def test_an_import_into_an_s3_store_streams_its_files_there(
    app, client, session, signed_in, s3_store
):
    big = b"%PDF-1.7 " + random.Random(7).randbytes(20 * 1024 * 1024)  # sent in two parts
    doc = document(big)
    with use_store(app, s3_store):
        response = post_import(client, archive_of(doc, {"files/1-minutes.pdf": big}))
        assert response.status_code == 303
        upload = session.scalars(select(Upload).where(Upload.owner_id == signed_in.user.id)).one()
        assert upload.status == UploadStatus.VERIFIED and upload.size == len(big)
        assert b"".join(s3_store.iter_chunks(upload.key)) == big


def test_a_refused_import_into_an_s3_store_leaves_no_object(
    app, client, session, signed_in, s3_store
):
    doc = document()
    doc["artifacts"][0]["file"]["sha256"] = hashlib.sha256(b"another file").hexdigest()
    with use_store(app, s3_store):
        refused(client, session, signed_in, archive_of(doc))
        assert list(s3_store.list_keys("candidates/")) == []


def test_a_file_of_another_size_than_the_document_says_is_refused(client, session, signed_in):
    doc = document()
    doc["artifacts"][0]["file"]["size"] = len(PDF) - 1
    text = refused(client, session, signed_in, archive_of(doc))
    assert f"holds {len(PDF):,} bytes in the archive, but the document says" in text


def test_a_file_the_document_names_but_the_archive_lacks_is_refused(client, session, signed_in):
    text = refused(client, session, signed_in, archive_of(document(), {}))
    assert "The file files/1-minutes.pdf of artifact 1 is not in the archive" in text


def test_imports_past_the_accounts_limit_answer_429_and_keep_nothing(
    app, client, session, signed_in, bob, monkeypatch
):
    monkeypatch.setitem(app.config, "PORTFOLIO_IMPORT_LIMIT", "2 per hour")
    objects_before = kept(session, signed_in)["objects"]
    statuses = [post_import(client, b"not a zip").status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    assert "Too many attempts" in post_import(client, b"not a zip").get_data(as_text=True)
    assert nothing_kept(session, signed_in, objects_before)
    # The limit is the account's: another person from the same address may still import.
    login_as(client, bob.user)
    assert post_import(client, b"not a zip").status_code == 422
