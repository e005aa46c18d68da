"""User-written text as HTML. The only place that marks candidate text as safe.

Saved texts show the HTML stored with them (rendered and sanitised when saved); a text just
typed into a form, or frozen in a submission's snapshot, is rendered now: cmark-gfm is linear,
and RENDER_LIMIT caps the length, so that takes bounded time.
"""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from portfolio.domain.portfolios.narrative import (
    RENDER_LIMIT,
    Rendered,
    excerpt_of_html,
    html_to_show,
    render_markdown,
)

TOO_LONG_TO_SHOW = Markup(  # noqa: S704 - our own constant text
    f'<p class="muted">This text is longer than {RENDER_LIMIT:,} characters, so it is not '
    "shown here.</p>"
)


def narrative_html(text: str | None) -> Markup:
    """Candidate Markdown rendered now, marked safe only because render_markdown sanitized it.
    A text longer than RENDER_LIMIT (one typed into a form that refused it) gets a note."""
    text = text or ""
    if len(text) > RENDER_LIMIT:
        return TOO_LONG_TO_SHOW
    return Markup(render_markdown(text))  # noqa: S704 - nh3 cleaned it just now


def saved_html(text: str, stored: Rendered) -> Markup:
    """A saved text's HTML: the one stored (nh3 cleaned it when the text was saved), or the text
    rendered now when an older renderer made it; never written back here (a GET never writes)."""
    return Markup(html_to_show(text, stored))  # noqa: S704 - sanitised by render_markdown


def saved_excerpt(text: str, stored: Rendered, limit: int) -> str:
    """A saved text as plain text of at most `limit` characters, from its stored HTML."""
    return excerpt_of_html(html_to_show(text, stored), limit)


def init_app(app: Flask) -> None:
    app.add_template_filter(narrative_html, "narrative_html")
