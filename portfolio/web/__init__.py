"""HTTP layer: blueprints per audience, thin views, one place for errors and access checks."""

from __future__ import annotations

from flask import Flask

from portfolio.web import (
    date_filters,
    errors,
    input_guard,
    navigation,
    params,
    security,
    sessions,
    status_filters,
    text_filters,
    transactions,
)


def register_web(app: Flask) -> None:
    """Bind the web layer's hooks and register every blueprint, each one named here."""
    from portfolio.web import (
        account,
        account_tokens,
        admin,
        api,
        auth,
        candidate,
        catalogue,
        certificates,
        committee,
        credentials,
        frameworks,
        notifications,
        provider,
        public,
        reviewer,
        supervisor,
        uploads,
    )

    app.url_map.converters["int"] = params.BoundedIntConverter
    sessions.init_app(app)
    security.init_app(app)
    input_guard.init_app(app)
    transactions.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    text_filters.init_app(app)
    date_filters.init_app(app)
    status_filters.init_app(app)
    for module in (
        public,
        auth,
        account,
        frameworks,
        admin,
        candidate,
        reviewer,
        supervisor,
        uploads,
        certificates,
        credentials,
        notifications,
        provider,
        committee,
        catalogue,
        account_tokens,
        api,
    ):
        app.register_blueprint(module.bp)
