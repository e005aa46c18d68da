"""Pages anyone may see: home and health."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portfolio.extensions import csrf, db

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> str:
    return render_template("index.html")


@bp.get("/healthz")
@csrf.exempt
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up"), 200
