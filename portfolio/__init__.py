"""The portfolio application: create_app(config) builds it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from config import ROOT, check_certificate_fonts, check_production, load_config


def create_app(config: str | Mapping[str, Any] | None = None) -> Flask:
    """Build the app from a config name (development, testing, production) or a settings dict.

    A dict is laid over the testing defaults' keys it names; anything else comes from config.py
    and the environment.
    """
    if isinstance(config, Mapping):
        settings = load_config(str(config.get("ENV_NAME", "testing")))
        settings.update(config)
    else:
        settings = load_config(config)
    check_production(settings)
    check_certificate_fonts(settings)

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(settings)
    _bind_credential_issuer(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Rate limits key on the client address, so behind a proxy it must come from the header.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from portfolio import cli, extensions
    from portfolio.jobs import enrollment, failures, mail, notifications, reviews, uploads  # noqa: F401 - register the jobs
    from portfolio.jobs import portfolios as portfolio_jobs  # noqa: F401 - register the jobs
    from portfolio.jobs import renewal as renewal_jobs  # noqa: F401 - register the job
    from portfolio.jobs.schedule import beat_schedule
    from portfolio.services import outbox
    from portfolio.services.accounts import hashing
    from portfolio.web import register_web

    hashing.configure(
        app.config.get("ARGON2_TIME_COST"),
        app.config.get("ARGON2_MEMORY_COST_KIB"),
        app.config.get("ARGON2_PARALLELISM"),
    )
    extensions.db.init_app(app)
    extensions.csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    extensions.limiter.init_app(app)
    # The task queue: eager in-process without TASK_BROKER_URL. The job modules above register
    # their tasks (and the failure hook) with every Celery app made after their import.
    celery_app = extensions.celery_init_app(app)
    celery_app.conf.beat_schedule = beat_schedule(app.config)
    outbox.init_app(app)
    register_web(app)
    cli.register(app)
    return app


def _bind_credential_issuer(app: Flask) -> None:
    """The Open Badges issuer (its URL and signing keys); a key that cannot work stops the app
    with the reason (services.certification.issuer)."""
    from portfolio.services.certification.issuer import IssuerSettingsError, issuer_from_settings

    try:
        issuer = issuer_from_settings(app.config, Path(app.instance_path))
    except IssuerSettingsError as exc:
        raise SystemExit(f"Refusing to start: {exc}") from None
    app.extensions["credential_issuer"] = issuer
