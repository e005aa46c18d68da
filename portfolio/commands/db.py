"""`flask db upgrade|downgrade|current|revision`: Alembic, bound to the app's database.

Four thin commands rather than Flask-Migrate, whose migrations environment reads the engine and
metadata from a Flask-SQLAlchemy `db` (we use our own `extensions.Database`) and which adds its
`db` group to the CLI itself (create_app lists every group explicitly).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

from config import ROOT

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig


def alembic_config(url: str | None = None) -> AlembicConfig:
    # Alembic is imported here, not at the top: create_app registers this group in every process
    # (gunicorn workers, CLI runs) and importing Alembic costs about 0.3 s that only these use.
    from alembic.config import Config as AlembicConfig

    # Alembic's default output is the sys.stdout of import time; click's runner swaps it later.
    cfg = AlembicConfig(stdout=sys.stdout)
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option(
        "sqlalchemy.url", (url or current_app.config["DATABASE_URL"]).replace("%", "%%")
    )
    return cfg


@click.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    _ensure_sqlite_folder()
    from alembic import command

    command.upgrade(alembic_config(), revision)
    click.echo(f"Database is at {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(), revision)


@db_group.command("current")
@with_appcontext
def current() -> None:
    """Show the database's revision."""
    from alembic import command

    command.current(alembic_config(), verbose=False)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(alembic_config(), message=message, autogenerate=True)


def _ensure_sqlite_folder() -> None:
    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


commands = [db_group]
