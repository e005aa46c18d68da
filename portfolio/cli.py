"""Flask CLI commands: `flask --app portfolio <group> <command>`."""

from __future__ import annotations

import importlib

from flask import Flask

# Each module defines `commands`: click commands or groups to add to the app's CLI.
COMMAND_MODULES = ("db", "frameworks", "demo", "storage", "reviews")


def register(app: Flask) -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"portfolio.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"portfolio.commands.{name}":
                raise
            continue
        for command in module.commands:
            app.cli.add_command(command)
