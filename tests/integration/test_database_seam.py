"""The Database extension's test seam: sessions can join a connection and come back unbound."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.models import User
from tests.helpers import make_user


def users_committed(app: Flask) -> int:
    with db.engine_for(app).connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(User)) or 0)


def test_commits_inside_sessions_joining_are_undone_with_the_connection(app: Flask):
    before = users_committed(app)
    with db.engine_for(app).connect() as conn:
        outer = conn.begin()
        with db.sessions_joining(app, conn), app.app_context():
            make_user(db.session, "joined@example.org")
            db.session.commit()  # releases a savepoint only
            assert db.session.get_bind() is conn
        outer.rollback()
    assert users_committed(app) == before


def test_after_sessions_joining_sessions_use_the_engine_again(app: Flask):
    with db.engine_for(app).connect() as conn, db.sessions_joining(app, conn):
        pass
    with app.app_context():
        assert db.session.get_bind() is db.engine_for(app)
        assert db.engine is db.engine_for(app)
