"""`flask db upgrade`, `db current` and `db downgrade REV`, as the README tells people to."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from flask import Flask

from config import ROOT
from portfolio import create_app

pytestmark = pytest.mark.database_independent  # each test makes its own SQLite database


def test_upgrade_current_and_downgrade_work_through_the_cli(app_settings, tmp_path):
    database = tmp_path / "fresh" / "portfolio.sqlite3"  # upgrade makes the folder
    fresh: Flask = create_app({**app_settings, "DATABASE_URL": f"sqlite:///{database}"})
    cli = fresh.test_cli_runner()
    script = ScriptDirectory(str(ROOT / "migrations"))
    head = script.get_current_head()
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)

    upgraded = cli.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "Database is at head." in upgraded.output
    assert f"{head} (head)" in cli.invoke(args=["db", "current"]).output

    downgraded = cli.invoke(args=["db", "downgrade", previous])
    assert downgraded.exit_code == 0, downgraded.output
    current = cli.invoke(args=["db", "current"]).output
    assert previous in current and head not in current

    assert cli.invoke(args=["db", "upgrade"]).exit_code == 0
    assert f"{head} (head)" in cli.invoke(args=["db", "current"]).output


def test_downgrade_needs_a_revision(app_settings, tmp_path):
    fresh = create_app({**app_settings, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    result = fresh.test_cli_runner().invoke(args=["db", "downgrade"])
    assert result.exit_code == 2
    assert "Missing argument 'REVISION'" in result.output
