"""Configuration classes. Environment variables override every value (see README)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production


class Config:
    ENV_NAME = "base"
    SECRET_KEY = DEV_SECRET_KEY
    DATABASE_URL = f"sqlite:///{INSTANCE / 'portfolio.sqlite3'}"
    # Object store: "file:///path" for local disk, "s3://bucket" for S3 (with S3_* below).
    OBJECT_STORE_URL = f"file://{INSTANCE / 'objects'}"
    S3_ENDPOINT_URL: str | None = None
    S3_REGION = "us-east-1"
    S3_ACCESS_KEY_ID: str | None = None
    S3_SECRET_ACCESS_KEY: str | None = None
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "portfolio@localhost"
    # In development, emails are written to the log instead of being sent when this is true.
    MAIL_SUPPRESS_SEND = False
    MAIL_TIMEOUT = 15.0  # seconds any one SMTP step may take before the attempt counts as failed
    # Emails are outbox rows delivered after each commit: "background" in a thread, so no request
    # waits on SMTP; "inline" in the committing thread (tests, so they read the mail at once).
    OUTBOX_DELIVERY = "background"
    PUBLIC_BASE_URL: str | None = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    SIGN_IN_LIMIT = "10 per minute"
    EMAIL_REQUEST_LIMIT = "5 per hour"  # reset and confirmation emails per address typed in
    FORM_POST_LIMIT = "20 per minute"  # account form posts per client address
    # Argon2 parameters; None keeps argon2-cffi's RFC 9106 low-memory profile.
    ARGON2_TIME_COST: int | None = None
    ARGON2_MEMORY_COST_KIB: int | None = None
    ARGON2_PARALLELISM: int | None = None
    # Number of proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none).
    TRUSTED_PROXIES = 0
    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24  # confirmation links: one day
    RESET_TOKEN_MAX_AGE = 60 * 60  # password reset links: one hour
    SUPERVISOR_INVITATION_MAX_AGE = 60 * 60 * 24 * 14  # supervisor invitations: two weeks
    # Form posts only: artifact uploads go straight to the object store.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    DEMO_ALLOWED = True
    TESTING = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    MAIL_SUPPRESS_SEND = True


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    DATABASE_URL = "sqlite://"
    # Cheap hashing keeps the suite fast; production strength is the default elsewhere.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 1024
    ARGON2_PARALLELISM = 1
    OBJECT_STORE_URL = f"file://{INSTANCE / 'test-objects'}"
    OUTBOX_DELIVERY = "inline"


class ProductionConfig(Config):
    ENV_NAME = "production"
    DATABASE_URL = ""
    DEMO_ALLOWED = False


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

# Each of these may be set in the environment; the type of the class default decides parsing.
ENV_OVERRIDES = (
    "SECRET_KEY",
    "DATABASE_URL",
    "OBJECT_STORE_URL",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "MAIL_SUPPRESS_SEND",
    "MAIL_TIMEOUT",
    "OUTBOX_DELIVERY",
    "PUBLIC_BASE_URL",
    "RATELIMIT_STORAGE_URI",
    "SIGN_IN_LIMIT",
    "EMAIL_REQUEST_LIMIT",
    "FORM_POST_LIMIT",
    "TRUSTED_PROXIES",
    "MAX_CONTENT_LENGTH",
)


def _parse(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def load_config(name: str | None = None) -> dict[str, object]:
    """The settings for `name` (or $PORTFOLIO_ENV, default development), with env overrides."""
    name = name or os.environ.get("PORTFOLIO_ENV", "development")
    if name not in CONFIGS:
        raise SystemExit(f"PORTFOLIO_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    cls = CONFIGS[name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    for key in ENV_OVERRIDES:
        if key in os.environ:
            settings[key] = _parse(os.environ[key], settings.get(key))
    if (
        name != "testing"
        and "REDIS_URL" in os.environ
        and "RATELIMIT_STORAGE_URI" not in os.environ
    ):
        settings["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    return settings


def check_production(settings: dict[str, object]) -> None:
    """Refuse to start production with development secrets or no database, in one line."""
    if settings.get("ENV_NAME") != "production":
        return
    if not settings.get("SECRET_KEY") or settings["SECRET_KEY"] == DEV_SECRET_KEY:
        raise SystemExit("Refusing to start: set SECRET_KEY to a long random value in production.")
    url = str(settings.get("DATABASE_URL") or "")
    if not url or url.startswith("sqlite"):
        raise SystemExit("Refusing to start: set DATABASE_URL to a PostgreSQL URL in production.")
