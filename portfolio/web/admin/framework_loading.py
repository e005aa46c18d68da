"""What every framework editor view starts with: the framework named in the URL, and who acts."""

from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portfolio.extensions import db
from portfolio.models import Framework, User
from portfolio.services.programs.queries import get_framework_by_id
from portfolio.web import access


def load_framework(framework_id: int) -> Framework:
    framework = get_framework_by_id(db.session, framework_id)
    access.require_found(framework)
    assert framework is not None
    return framework


def actor() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def to_editor(framework: Framework, anchor: str | None = None) -> Response:
    return redirect(url_for("admin.framework", framework_id=framework.id, _anchor=anchor))
