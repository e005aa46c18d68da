"""Stored HTML of the candidates' texts: rendering again what an older renderer made.

Each learning statement and narrative keeps its sanitised HTML beside it, rendered when it was
saved (services.portfolios.entries). When RENDERER_VERSION changes (a new cmarkgfm or nh3, new
rules), `flask portfolios render-markdown` calls render_stale; until then pages render a stale
text in memory (domain.portfolios.narrative.html_to_show), never writing on a GET.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portfolio.domain.portfolios.narrative import RENDERER_VERSION, render_for_storage
from portfolio.models import Portfolio, PortfolioEntry
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
    session.flush()
    return count
