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
    # Every timeout fits inside gunicorn's (gunicorn.conf.py): the app answers before it is killed.
    S3_CONNECT_TIMEOUT = 3
    S3_READ_TIMEOUT = 15
    DATABASE_STATEMENT_TIMEOUT_MS = 20_000
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "portfolio@localhost"
    # Where people write to the program office (a name change once certified, a question): the
    # account page links it. Empty: the pages say only "write to the program office".
    OFFICE_EMAIL = ""
    # In development, emails are written to the log instead of being sent when this is true.
    MAIL_SUPPRESS_SEND = False
    MAIL_TIMEOUT = 15.0  # seconds any one SMTP step may take before the attempt counts as failed
    # Emails are outbox rows delivered after each commit: "background" in a thread, so no request
    # waits on SMTP; "inline" in the committing thread (tests, so they read the mail at once).
    OUTBOX_DELIVERY = "background"
    # The task queue (Celery). Unset: jobs run in-process (eagerly) right after the commit that
    # queued them, so `make run` needs no Redis. Set (e.g. "redis://127.0.0.1:6379/0"): jobs go
    # to the broker and separate worker processes run them; beat runs the schedule below.
    TASK_BROKER_URL: str | None = None
    # A job a worker took but never acknowledged (the worker was killed) is handed out again
    # after this many seconds; longer than the longest job (a 2 GiB upload check).
    TASK_VISIBILITY_TIMEOUT = 60 * 60
    TASK_MAX_RETRIES = 6  # transient failures (SMTP, store, database) are retried this often
    TASK_RETRY_BACKOFF_MAX = 30 * 60  # seconds; the waits double from one second up to this
    # The schedule (UTC, "HH:MM" each day); the sweep runs every JOB_SWEEP_SECONDS.
    JOB_SWEEP_SECONDS = 60
    SCHEDULE_REVIEW_REMINDERS = "06:00"
    SCHEDULE_WINDOW_REMINDERS = "06:20"
    SCHEDULE_ASSIGN_WAITING = "06:10"
    SCHEDULE_CLOSE_EXPIRED = "00:20"
    SCHEDULE_DECIDE_EXPIRED = "00:40"
    SCHEDULE_EXPIRE_UPLOADS = "02:00"
    SCHEDULE_RECONCILE = "03:00"
    SCHEDULE_RENEWAL_REMINDERS = "06:30"
    SCHEDULE_RESUBMISSION_REMINDERS = "06:25"
    SCHEDULE_NOTIFICATION_DIGEST = "07:00"
    # An upload check that started this long ago without finishing (its worker died) may be
    # taken over, plus one second for every UPLOAD_CHECK_BYTES_PER_SECOND of the file.
    UPLOAD_CHECK_LEASE_SECONDS = 120
    UPLOAD_CHECK_BYTES_PER_SECOND = 5 * 1024**2
    PUBLIC_BASE_URL: str | None = None
    # Who issues the certificates: printed on the PDF and sent as the organisation to LinkedIn.
    CERTIFICATE_ISSUER = "Portfolio Certification Office"
    # The issuer's LinkedIn company id; when set, "Add to LinkedIn" links its company page.
    LINKEDIN_ORGANIZATION_ID = ""
    # The fonts embedded in PDF certificates (DejaVuSans.ttf and DejaVuSans-Bold.ttf).
    CERTIFICATE_FONT_DIR = str(ROOT / "data" / "fonts" / "dejavu")
    # Noto Sans CJK (Debian's fonts-noto-cjk), for Chinese, Japanese and Korean names; where it
    # is not installed, a certificate with such a name has no PDF (its page says why).
    CERTIFICATE_CJK_FONT_DIR = "/usr/share/fonts/opentype/noto"
    # Open Badges credentials: Ed25519 secret keys (Multikey z3u2...), oldest first; the last
    # signs. Unset: production refuses to start, development keeps one in instance/.
    BADGE_SIGNING_KEYS: str | None = None
    BADGE_ISSUER_NAME = "Portfolio Certification Office"  # as CERTIFICATE_ISSUER
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    # Failed sign-ins only: per account and client address pair (the wait grows), per address.
    SIGN_IN_LIMIT = "5 per minute; 20 per hour; 50 per day"
    SIGN_IN_ADDRESS_LIMIT = "30 per minute"
    EMAIL_REQUEST_LIMIT = "5 per hour"  # reset and confirmation emails per address typed in
    FORM_POST_LIMIT = "20 per minute"  # account form posts per client address
    PREVIEW_LIMIT = "60 per minute"  # Markdown previews per account (the editor's live preview)
    CERTIFICATE_PDF_LIMIT = "20 per minute"  # certificate PDFs drawn per account
    API_RATE_LIMIT = "120 per minute"  # JSON API requests per access token (per address without)
    API_ADDRESS_LIMIT = "600 per minute"  # JSON API requests per address, whatever the token
    # Argon2 parameters; None keeps argon2-cffi's RFC 9106 low-memory profile.
    ARGON2_TIME_COST: int | None = None
    ARGON2_MEMORY_COST_KIB: int | None = None
    ARGON2_PARALLELISM: int | None = None
    # Number of proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none).
    TRUSTED_PROXIES = 0
    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24  # confirmation links: one day
    RESET_TOKEN_MAX_AGE = 60 * 60  # password reset links: one hour
    SUPERVISOR_INVITATION_MAX_AGE = 60 * 60 * 24 * 14  # supervisor invitations: two weeks
    # Artifact uploads (domain.uploads.transfer.UploadLimits checks them when the app starts).
    UPLOAD_MAX_BYTES = 2 * 1024**3
    UPLOAD_SINGLE_POST_MAX = 100 * 1024**2
    UPLOAD_PART_BYTES = 16 * 1024**2
    UPLOAD_PENDING_DAYS = 1
    UPLOAD_MAX_PENDING = 20
    UPLOAD_MAX_PENDING_BYTES = 4 * 1024**3
    # Ranged GETs at once when the check reads a file sent in parts back (each a run of parts).
    UPLOAD_VERIFY_STREAMS = 4
    # Joining a checked file's staged parts into one object, without a task queue: "background"
    # in a thread, so nobody waits for the store's copies; "inline" in the committing thread
    # (tests). With a task queue, a worker joins them either way.
    UPLOAD_JOIN = "background"
    # Strict-Transport-Security: browsers keep to HTTPS this long (0 sends no header).
    HSTS_MAX_AGE = 60 * 60 * 24 * 365
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
    # A provider's CSV roster of course completions (services.courses.rosters): bigger files
    # are refused with a message, so an import stays quick; split a longer roster. Recording a
    # row is cheap; evaluating each candidate it completes (and certifying them) is not, and
    # runs inside the request: 500 rows that all certify take about 25 s on SQLite.
    ROSTER_MAX_BYTES = 1024 * 1024
    ROSTER_MAX_ROWS = 500
    # A candidate's portfolio export from another installation, posted as one zip and imported
    # inside the request (services.portfolios.importing): the zip as posted, everything in it
    # unpacked, its entries, and the most a member may unpack to per byte packed (zip bombs).
    PORTFOLIO_IMPORT_MAX_BYTES = 512 * 1024**2
    PORTFOLIO_IMPORT_MAX_UNPACKED_BYTES = 2 * 1024**3
    PORTFOLIO_IMPORT_MAX_ENTRIES = 5_000
    PORTFOLIO_IMPORT_MAX_RATIO = 100
    # Objects no row names yet are left alone this long: a request may be writing them for rows
    # it has not committed (a portfolio import posted as a form); well past gunicorn's timeout.
    RECONCILE_ORPHAN_GRACE_SECONDS = 900
    PORTFOLIO_IMPORT_LIMIT = "10 per hour"  # imports per account (each reads up to 2 GiB)
    # A larger export goes through the resumable upload flow instead (straight to the object
    # store, in parts) and is imported by a job: the largest zip taken that way.
    PORTFOLIO_IMPORT_MAX_UPLOAD_BYTES = 8 * 1024**3


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    HSTS_MAX_AGE = 0  # served over plain HTTP on 127.0.0.1
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
    UPLOAD_JOIN = "inline"


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
ENV_OVERRIDES: tuple[str, ...] = (
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
    "OFFICE_EMAIL",
    "MAIL_SUPPRESS_SEND",
    "MAIL_TIMEOUT",
    "OUTBOX_DELIVERY",
    "TASK_BROKER_URL",
    "TASK_VISIBILITY_TIMEOUT",
    "TASK_MAX_RETRIES",
    "TASK_RETRY_BACKOFF_MAX",
    "JOB_SWEEP_SECONDS",
    "SCHEDULE_REVIEW_REMINDERS",
    "SCHEDULE_WINDOW_REMINDERS",
    "SCHEDULE_ASSIGN_WAITING",
    "SCHEDULE_CLOSE_EXPIRED",
    "SCHEDULE_DECIDE_EXPIRED",
    "SCHEDULE_EXPIRE_UPLOADS",
    "SCHEDULE_RECONCILE",
    "SCHEDULE_RENEWAL_REMINDERS",
    "SCHEDULE_RESUBMISSION_REMINDERS",
    "SCHEDULE_NOTIFICATION_DIGEST",
    "UPLOAD_CHECK_LEASE_SECONDS",
    "UPLOAD_CHECK_BYTES_PER_SECOND",
    "PUBLIC_BASE_URL",
    "CERTIFICATE_ISSUER",
    "LINKEDIN_ORGANIZATION_ID",
    "CERTIFICATE_FONT_DIR",
    "BADGE_SIGNING_KEYS",
    "BADGE_ISSUER_NAME",
    "RATELIMIT_STORAGE_URI",
    "SIGN_IN_LIMIT",
    "EMAIL_REQUEST_LIMIT",
    "FORM_POST_LIMIT",
    "SIGN_IN_ADDRESS_LIMIT",
    "S3_CONNECT_TIMEOUT",
    "S3_READ_TIMEOUT",
    "DATABASE_STATEMENT_TIMEOUT_MS",
    "PREVIEW_LIMIT",
    "CERTIFICATE_PDF_LIMIT",
    "TRUSTED_PROXIES",
    "MAX_CONTENT_LENGTH",
    "ARGON2_TIME_COST",
    "ARGON2_MEMORY_COST_KIB",
    "ARGON2_PARALLELISM",
    "EMAIL_TOKEN_MAX_AGE",
    "RESET_TOKEN_MAX_AGE",
    "SUPERVISOR_INVITATION_MAX_AGE",
    "UPLOAD_MAX_BYTES",
    "UPLOAD_SINGLE_POST_MAX",
    "UPLOAD_PART_BYTES",
    "UPLOAD_PENDING_DAYS",
    "UPLOAD_MAX_PENDING",
    "UPLOAD_MAX_PENDING_BYTES",
    "UPLOAD_VERIFY_STREAMS",
    "UPLOAD_JOIN",
    "HSTS_MAX_AGE",
    "CERTIFICATE_CJK_FONT_DIR",
    "PORTFOLIO_IMPORT_MAX_BYTES",
    "PORTFOLIO_IMPORT_MAX_UNPACKED_BYTES",
    "PORTFOLIO_IMPORT_MAX_ENTRIES",
    "PORTFOLIO_IMPORT_MAX_RATIO",
    "PORTFOLIO_IMPORT_LIMIT",
    "RECONCILE_ORPHAN_GRACE_SECONDS",
    "API_RATE_LIMIT",
    "API_ADDRESS_LIMIT",
    "PORTFOLIO_IMPORT_MAX_UPLOAD_BYTES",
)
# Settings whose default is None but whose value, when set, is a whole number.
INTEGER_SETTINGS = frozenset({"ARGON2_TIME_COST", "ARGON2_MEMORY_COST_KIB", "ARGON2_PARALLELISM"})


def _parse(key: str, raw: str, default: object) -> object:
    if key in INTEGER_SETTINGS:
        return int(raw) if raw.strip() else None
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
            try:
                settings[key] = _parse(key, os.environ[key], settings.get(key))
            except ValueError:
                raise SystemExit(f"{key} must be a whole number, not {os.environ[key]!r}") from None
    if (
        name != "testing"
        and "REDIS_URL" in os.environ
        and "RATELIMIT_STORAGE_URI" not in os.environ
    ):
        settings["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    return settings


CERTIFICATE_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


def check_certificate_fonts(settings: dict[str, object]) -> None:
    """Refuse to start without the fonts every PDF certificate embeds, naming the missing file."""
    folder = Path(str(settings.get("CERTIFICATE_FONT_DIR") or ""))
    for name in CERTIFICATE_FONTS:
        if not (folder / name).is_file():
            raise SystemExit(
                f"Refusing to start: CERTIFICATE_FONT_DIR has no {name} ({folder}); the PDF "
                "certificates embed it (data/fonts/dejavu in the repository)."
            )


def check_production(settings: dict[str, object]) -> None:
    """Refuse to start production with development secrets or no database, in one line."""
    if settings.get("ENV_NAME") != "production":
        return
    if not settings.get("SECRET_KEY") or settings["SECRET_KEY"] == DEV_SECRET_KEY:
        raise SystemExit("Refusing to start: set SECRET_KEY to a long random value in production.")
    url = str(settings.get("DATABASE_URL") or "")
    if not url or url.startswith("sqlite"):
        raise SystemExit("Refusing to start: set DATABASE_URL to a PostgreSQL URL in production.")
    limits = str(settings.get("RATELIMIT_STORAGE_URI") or "memory://")
    if settings.get("RATELIMIT_ENABLED", True) and limits.startswith("memory://"):
        # Each gunicorn worker on each host would keep counts of its own: a limit of 5 failed
        # sign-ins a minute would allow 5 per process, and a client switching hosts is not seen.
        raise SystemExit(
            "Refusing to start: set REDIS_URL (or RATELIMIT_STORAGE_URI) to the Redis every web "
            "process shares in production; memory:// keeps rate limits per process."
        )
