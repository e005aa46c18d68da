"""Stored HTML of the candidates' texts: rendering again what an older renderer made.

Each learning statement and narrative keeps its sanitised HTML beside it, rendered when it was
saved (services.portfolios.entries). When RENDERER_VERSION changes (a new cmarkgfm or nh3, new
rules), `flask portfolios render-markdown` calls render_stale; until then pages render a stale
text in memory (domain.portfolios.narrative.html_to_show), never writing on a GET. The same
holds for the texts of each submission, whose HTML is kept beside the frozen snapshot
(domain.portfolios.snapshot_html): only that derived column is written, never the snapshot.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portfolio.domain.errors import CorruptSnapshot
from portfolio.domain.portfolios.narrative import RENDERER_VERSION, render_for_storage
from portfolio.domain.portfolios.snapshot_html import build_snapshot_html
from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.models import Portfolio, PortfolioEntry, Submission
from portfolio.models.base import Base

# (table, its Markdown column); the HTML and renderer columns are named after it.
_TEXTS = (
    (Portfolio.__tablename__, "learning_statement"),
    (PortfolioEntry.__tablename__, "narrative"),
)


def render_stale(session: Session) -> int:
    """Store the current renderer's HTML for every text another renderer (or none) made; the
    number of texts rendered. Flushes, never commits.

    Plain UPDATEs keyed on the row's version: the version does not change, so an editor open
    in a browser keeps saving; a row saved meanwhile was rendered by that save and is skipped.
    """
    count = 0
    for table_name, name in _TEXTS:
        table = Base.metadata.tables[table_name]
        c = table.c
        html, rendered_with = f"{name}_html", f"{name}_rendered_with"
        stale = select(c.id, c.version, c[name]).where(c[rendered_with] != RENDERER_VERSION)
        for row_id, version, value in session.execute(stale).all():
            rendered = render_for_storage(value or "")
            session.execute(
                update(table)
                .where(c.id == row_id, c.version == version)
                .values({html: rendered.html, rendered_with: rendered.rendered_with})
            )
            count += 1
    count += _render_stale_submissions(session)
    session.flush()
    return count


def _render_stale_submissions(session: Session) -> int:
    """Store the current renderer's HTML for each submission whose texts another renderer made.
    A corrupt snapshot is left as it is: its pages show it as corrupt, not its HTML."""
    stale = select(Submission.id, Submission.snapshot, Submission.snapshot_sha256).where(
        Submission.snapshot_html_rendered_with != RENDERER_VERSION
    )
    count = 0
    for row_id, document, fingerprint in session.execute(stale).all():
        try:
            snapshot = read_snapshot(document, fingerprint)
        except CorruptSnapshot:
            continue
        session.execute(
            update(Submission)
            .where(Submission.id == row_id)
            .values(
                snapshot_html=build_snapshot_html(snapshot, fingerprint),
                snapshot_html_rendered_with=RENDERER_VERSION,
            )
        )
        count += 1
    return count
