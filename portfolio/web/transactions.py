"""One transaction per request: services flush, the request commits once or rolls back.

A message flashed by a view ("Approved: ...") is kept only if the commit succeeds: a commit
that fails (the database went away) takes the view's flashes with it and answers 503, so
nobody is told that work was done when it was not.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request, session
from sqlalchemy.exc import InterfaceError, OperationalError

from portfolio.extensions import db
from portfolio.web.errors import database_down_response

log = logging.getLogger(__name__)

FLASHES = "_flashes"  # where Flask keeps flashed messages in the session


def _drop_flashes_of_this_request() -> None:
    before = g.get("flashes_before", 0)
    if len(session.get(FLASHES, [])) > before:
        session[FLASHES] = session[FLASHES][:before]


def init_app(app: Flask) -> None:
    @app.before_request
    def remember_flashes() -> None:
        g.flashes_before = len(session.get(FLASHES, []))

    @app.after_request
    def commit(response: Response) -> Response:
        db_session = g.get("db_session")
        if db_session is None:
            return response
        if response.status_code >= 400:
            db_session.rollback()
            return response
        try:
            db_session.commit()
        except (OperationalError, InterfaceError) as exc:
            log.warning("Commit failed on %s %s: %s", request.method, request.path, exc)
            _drop_flashes_of_this_request()
            failed, _status = database_down_response()
            return failed
        return response

    @app.teardown_request
    def rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None and g.get("db_session") is not None:
            db.session.rollback()
