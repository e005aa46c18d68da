"""Flask CLI commands: `flask --app portfolio <group> <command>`."""

from __future__ import annotations

from flask import Flask

from portfolio.commands import (
    certificates,
    certification,
    courses,
    db,
    demo,
    frameworks,
    notifications,
    outbox,
    portfolios,
    reports,
    reviews,
    storage,
)


def register(app: Flask) -> None:
    """Add every command group; each module lists its click commands or groups in `commands`."""
    for module in (
        db,
        frameworks,
        demo,
        storage,
        reviews,
        portfolios,
        outbox,
        certificates,
        notifications,
        courses,
        certification,
        reports,
    ):
        for command in module.commands:
            app.cli.add_command(command)
