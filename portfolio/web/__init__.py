"""HTTP layer: blueprints per audience, thin views, one place for errors and access checks."""

from __future__ import annotations

from flask import Flask

from portfolio.web import (
    errors,
    navigation,
    params,
    security,
    sessions,
    text_filters,
    transactions,
)


def register_web(app: Flask) -> None:
    from portfolio.web.public import bp as public_bp

    app.url_map.converters["int"] = params.BoundedIntConverter
    sessions.init_app(app)
    security.init_app(app)
    transactions.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    text_filters.init_app(app)
    app.register_blueprint(public_bp)
    for module in _optional_blueprints():
        app.register_blueprint(module)


def _optional_blueprints() -> list:  # type: ignore[type-arg]
    """Blueprints of later features, registered when present."""
    import importlib

    found = []
    for name in (
        "auth",
        "account",
        "frameworks",
        "admin",
        "candidate",
        "reviewer",
        "supervisor",
        "api",
        "uploads",
        "certificates",
    ):
        try:
            module = importlib.import_module(f"portfolio.web.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"portfolio.web.{name}":
                raise
            continue
        found.append(module.bp)
    return found
