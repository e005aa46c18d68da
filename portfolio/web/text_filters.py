"""User-written text as HTML. The only place that marks candidate text as safe.

Saved texts, and the texts of a submission, show the HTML stored with them (rendered and
sanitised when saved or submitted); only a text just typed into a form is rendered now:
cmark-gfm is linear, and RENDER_LIMIT caps the length, so that takes bounded time. No template
filter parses Markdown, so no page view can.
"""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from portfolio.domain.portfolios.narrative import Rendered, excerpt_of_html, html_to_show
from portfolio.domain.portfolios.snapshot_html import render_text
from portfolio.domain.text import without_bidi_controls


def narrative_html(text: str | None) -> Markup:
    """Markdown just typed into a form (a preview, a form shown again), rendered now; marked
    safe only because render_markdown sanitised it. A text longer than RENDER_LIMIT (one the
    form refused) gets a note instead."""
    return Markup(render_text(text or ""))  # noqa: S704 - nh3 cleaned it just now


def saved_html(text: str, stored: Rendered) -> Markup:
    """A saved text's HTML: the one stored (nh3 cleaned it when the text was saved), or the text
    rendered now when an older renderer made it; never written back here (a GET never writes)."""
    return Markup(html_to_show(text, stored))  # noqa: S704 - sanitised by render_markdown


def saved_excerpt(text: str, stored: Rendered, limit: int) -> str:
    """A saved text as plain text of at most `limit` characters, from its stored HTML."""
    return excerpt_of_html(html_to_show(text, stored), limit)


def stored_html(html: str) -> Markup:
    """A submission's text as domain.portfolios.snapshot_html gives it (the HTML stored when the
    set was submitted, or rendered in memory for an older renderer), marked safe because nh3
    cleaned it either way; templates show a submission's texts through this."""
    return Markup(html)  # noqa: S704 - sanitised by render_markdown


def shown(value: object) -> object:
    """Every value a template prints, without bidi embedding, override and isolate controls
    (domain.text). Names and titles are kept without them; any other free text (a comment, an
    address, a library's name, a narrative) keeps what was typed, but an override in it would
    reverse the rest of its line on every page that shows it, and could make one name read as
    another. Markup stays markup: the controls are no part of HTML's syntax."""
    if isinstance(value, Markup):
        return Markup(without_bidi_controls(value))  # noqa: S704 - the same safe HTML, less them
    if isinstance(value, str):
        return without_bidi_controls(value)
    return value


def init_app(app: Flask) -> None:
    app.add_template_filter(stored_html, "stored_html")
    # Jinja calls finalize on every {{ ... }} as it compiles templates, so it must be set first.
    app.jinja_env.finalize = shown
