"""A candidate takes their portfolio with them: a zip, streamed, of an offline index, a JSON
document that its schema accepts, and every verified file with the SHA-256 the document gives."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import cmarkgfm
import jsonschema

from portfolio.domain.portfolios.export_document import safe_file_name
from portfolio.domain.portfolios.narrative import RENDERER_VERSION
from portfolio.models import Role
from portfolio.services.portfolios import artifacts, entries, submissions
from portfolio.storage_binding import get_store
from portfolio.web import clock
from tests.helpers import login_as, make_user
from tests.portfolio_fixtures import fill_set, make_upload

SCHEMA = json.loads(Path("schemas/portfolio-export-1.schema.json").read_text())
CONTENT = b"%PDF-1.7 minutes of the meeting " * 1000


def test_the_export_holds_everything_and_checks_out(client, session, signed_in):
    upload = make_upload(session, signed_in.user, name="../../Minutes ñ.pdf", content=CONTENT)
    get_store().put(upload.key, CONTENT, "application/pdf")
    entry = signed_in.entry(session, "S1-1")
    artifacts.add_file_artifact(
        session,
        signed_in.portfolio(session),
        upload_id=upload.id,
        caption="Meeting minutes",
        competency_ids=[entry.competency_id],
        actor=signed_in.user,
    )
    portfolio = signed_in.portfolio(session)
    entries.update_learning_statement(
        session,
        portfolio,
        "I *learned* a lot.<script>alert(1)</script>",
        portfolio.version,
        actor=signed_in.user,
    )
    fill_set(session, signed_in, signed_in.sets[0])
    session.commit()
    submissions.submit_set(session, signed_in.sets[0], signed_in.user, clock.today())
    session.commit()

    response = client.get("/me/portfolio/export.zip")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = archive.namelist()
        document = json.loads(archive.read("portfolio.json"))
        index = archive.read("index.html").decode()
        jsonschema.validate(document, SCHEMA)
        (exported,) = [a for a in document["artifacts"] if a.get("file")]
        path = exported["file"]["path"]
        assert path == safe_file_name(exported["id"], "../../Minutes ñ.pdf")
        assert path.startswith("files/") and ".." not in path
        assert hashlib.sha256(archive.read(path)).hexdigest() == exported["file"]["sha256"]
        assert exported["file"]["sha256"] == hashlib.sha256(CONTENT).hexdigest()
    assert set(names) == {"index.html", "portfolio.json", "portfolio-export-1.schema.json", path}
    assert document["learning_statement"] == "I *learned* a lot.<script>alert(1)</script>"
    first = document["sets"][0]
    assert first["submissions"][0]["attempt"] == 1
    assert exported["id"] in first["competencies"][0]["artifacts"]
    assert "<script" not in index  # the offline page is sanitised like the app's own
    assert "<em>learned</em>" in index and f'href="{path}"' in index and "Meeting minutes" in index


def test_someone_without_a_portfolio_gets_a_clear_404(client, session):
    login_as(client, make_user(session, "new@example.org", roles=(Role.CANDIDATE,)))
    response = client.get("/me/portfolio/export.zip")
    assert response.status_code == 404
    assert "no portfolio to take with you" in response.get_data(as_text=True)


def test_safe_file_names_stay_in_their_folder():
    assert safe_file_name(7, "../../etc/passwd") == "files/7-etc-passwd"
    assert safe_file_name(8, "…") == "files/8-file"
    assert safe_file_name(9, "Report 2026.PDF") == "files/9-Report-2026.PDF"


def test_the_offline_index_shows_each_texts_stored_html_without_parsing_markdown(
    client, session, signed_in, monkeypatch
):
    portfolio = signed_in.portfolio(session)
    portfolio.learning_statement = "What I *learned*."
    portfolio.learning_statement_html = "<p>What I <em>learned</em> (stored).</p>"
    portfolio.learning_statement_rendered_with = RENDERER_VERSION
    entry = signed_in.entry(session, "S1-1")
    entry.narrative = "**Shelving**"
    entry.narrative_html = "<p><strong>Shelving</strong> (stored)</p>"
    entry.narrative_rendered_with = RENDERER_VERSION
    session.commit()

    def refuse(*_args, **_kwargs):
        raise AssertionError("Markdown was parsed while making the export")

    monkeypatch.setattr(cmarkgfm, "markdown_to_html_with_extensions", refuse)
    response = client.get("/me/portfolio/export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        index = archive.read("index.html").decode()
        document = json.loads(archive.read("portfolio.json"))
    assert "<p>What I <em>learned</em> (stored).</p>" in index
    assert "<p><strong>Shelving</strong> (stored)</p>" in index
    assert document["learning_statement"] == "What I *learned*."  # the JSON keeps the Markdown
