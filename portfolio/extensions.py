"""Extensions, created once and bound to the app in create_app; the task queue (Celery) is
made per app by celery_init_app, as Flask's documentation does it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from celery import Celery, Task
from flask import Flask, g, has_app_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """One engine per app and one session per app context (a request or a CLI command).

    Services only flush; the request or command commits once (see web/transactions.py).
    Tests reach the engine and bind sessions through the public methods below only.
    """

    def __init__(self) -> None:
        self._factories: dict[int, sessionmaker[Session]] = {}
        self._engines: dict[int, Engine] = {}

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        engine = make_engine(url, app.config.get("DATABASE_STATEMENT_TIMEOUT_MS"))
        self._engines[id(app)] = engine
        self._factories[id(app)] = sessionmaker(bind=engine, expire_on_commit=False)
        app.extensions["database"] = self

        @app.teardown_appcontext
        def close_session(_exc: BaseException | None) -> None:
            session = g.pop("db_session", None)
            if session is not None:
                session.close()

    def engine_for(self, app: Flask) -> Engine:
        """The engine of `app` (KeyError if init_app was never called with it)."""
        return self._engines[id(app)]

    @property
    def engine(self) -> Engine:
        """The current app's engine (inside an app context)."""
        from flask import current_app

        return self.engine_for(current_app._get_current_object())  # type: ignore[attr-defined]

    @property
    def session(self) -> Session:
        if not has_app_context():
            raise RuntimeError("db.session needs an application context")
        session: Session | None = g.get("db_session")
        if session is None:
            from flask import current_app

            app = current_app._get_current_object()  # type: ignore[attr-defined]
            session = self._factories[id(app)]()
            g.db_session = session
        return session

    def new_session(self) -> Session:
        """A session of its own, not this context's: for work that commits apart from the
        request's transaction (the outbox's delivery pass). The caller closes it."""
        from flask import current_app

        return self._factories[id(current_app._get_current_object())]()  # type: ignore[attr-defined]

    def bind_session(self, session: Session) -> None:
        """Use `session` for this app context (tests wrap each test in one outer transaction)."""
        g.db_session = session

    @contextmanager
    def sessions_joining(self, app: Flask, connection: Connection) -> Iterator[None]:
        """While inside, every new session of `app` joins `connection`'s transaction, and its
        commits only release a savepoint: a test rolls the connection back to undo them all."""
        original = self._factories[id(app)]
        self._factories[id(app)] = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield
        finally:
            self._factories[id(app)] = original


def make_engine(url: str, statement_timeout_ms: object = None) -> Engine:
    """An engine for `url`; on PostgreSQL, statements longer than `statement_timeout_ms` are
    cancelled, so a request answers before the web server's own timeout kills it."""
    if url.startswith("sqlite"):
        from sqlalchemy.pool import StaticPool

        kwargs: dict[str, object] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
            # pysqlite only opens a transaction before DML, so a SAVEPOINT issued first starts
            # one itself and its RELEASE commits everything. SQLAlchemy's documented fix: the
            # driver stays in autocommit and we emit BEGIN ourselves (see "begin" below).
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # IMMEDIATE takes the write lock up front, waiting up to busy_timeout for it. A
            # deferred transaction that read first and then writes cannot wait: SQLite fails it
            # at once with "database is locked" whenever another connection is writing (two
            # requests at once, or a request and the outbox's delivery thread).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args: dict[str, object] = {}
    if statement_timeout_ms and url.startswith("postgresql"):
        connect_args["options"] = f"-c statement_timeout={int(str(statement_timeout_ms))}"
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def celery_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Celery's settings from the app's: eager in-process without a broker URL, else Redis."""
    broker = config.get("TASK_BROKER_URL") or None
    settings: dict[str, Any] = {
        "task_ignore_result": True,  # jobs write their outcome to the database
        # A job is acknowledged when it ends, not when it starts: one whose worker is killed
        # goes back to the queue and runs again (jobs are idempotent).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": "portfolio",
        "timezone": "UTC",
        "task_annotations": {
            "*": {
                "max_retries": int(config.get("TASK_MAX_RETRIES") or 6),
                "retry_backoff_max": int(config.get("TASK_RETRY_BACKOFF_MAX") or 1800),
            }
        },
    }
    if broker is None:
        settings |= {"task_always_eager": True, "broker_url": "memory://"}
        # In-process there is nobody to wait for a backoff: a transient failure fails the job
        # at once (kept, and shown) rather than retrying inside the request that committed.
        settings["task_annotations"]["*"]["max_retries"] = 0
    else:
        visibility = int(config.get("TASK_VISIBILITY_TIMEOUT") or 3600)
        settings |= {
            "broker_url": broker,
            "broker_transport_options": {
                "visibility_timeout": visibility,
                # Every worker looks for jobs a dead worker left unacknowledged (one cheap
                # sorted-set query) this often, and hands out those older than the timeout.
                "unacked_restore_interval": min(10, visibility),
                "unacked_restore_throttle": 1,
                # A web request must not wait on a broker that is down: it fails fast, logs,
                # and the database row waits for the sweep.
                "socket_connect_timeout": 2,
                "socket_timeout": 5,
            },
            "task_publish_retry_policy": {
                "max_retries": 2,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.5,
            },
        }
    return settings


def celery_init_app(app: Flask) -> Celery:
    """The app's Celery (Flask's documented pattern): every task runs in an app context."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(app.config))
    celery_app.flask_app = app  # type: ignore[attr-defined]
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
