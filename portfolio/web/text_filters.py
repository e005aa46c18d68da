"""Template filters for user-written text. The only place that marks candidate text as safe."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from portfolio.domain.portfolios.narrative import render_markdown


def narrative_html(text: str | None) -> Markup:
    """Candidate Markdown as HTML, marked safe only because render_markdown sanitized it."""
    return Markup(render_markdown(text or ""))  # noqa: S704 - nh3 cleaned it just now


def init_app(app: Flask) -> None:
    app.add_template_filter(narrative_html, "narrative_html")
