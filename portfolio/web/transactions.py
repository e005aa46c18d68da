"""One transaction per request: services flush, the request commits once or rolls back."""

from __future__ import annotations

from flask import Flask, Response, g

from portfolio.extensions import db


def init_app(app: Flask) -> None:
    @app.after_request
    def commit(response: Response) -> Response:
        session = g.get("db_session")
        if session is None:
            return response
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
        return response

    @app.teardown_request
    def rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None and g.get("db_session") is not None:
            db.session.rollback()
