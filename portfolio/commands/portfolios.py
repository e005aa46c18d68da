"""`flask portfolios render-markdown`: store the current renderer's HTML for every saved text.

Run it after an upgrade that changes RENDERER_VERSION (cmarkgfm, nh3 or the rules in
domain/portfolios/narrative.py); pages render the stale texts in memory until then.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portfolio.domain.portfolios.narrative import RENDERER_VERSION
from portfolio.extensions import db
from portfolio.services.portfolios import rendering


@click.group("portfolios")
def portfolios_group() -> None:
    """Portfolio maintenance."""


@portfolios_group.command("render-markdown")
@with_appcontext
def render_markdown() -> None:
    """Render again the learning statements and narratives an older renderer made."""
    session = db.session
    count = rendering.render_stale(session)
    session.commit()
    click.echo(f"Rendered {count} text{'s' if count != 1 else ''} with {RENDERER_VERSION}.")


commands = [portfolios_group]
