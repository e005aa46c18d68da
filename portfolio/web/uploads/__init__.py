"""Uploads: the JSON API the upload widget talks to (api) and the file routes (files).

The blueprint builds the app's object store when it is registered, so a bad OBJECT_STORE_URL
stops the app at start-up; the template globals tell forms what may be uploaded.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.blueprints import BlueprintSetupState

from portfolio.domain.uploads.filetypes import ACCEPTED_SUMMARY
from portfolio.domain.uploads.transfer import UploadLimits, human_size
from portfolio.storage_binding import init_app, limits_from

bp = Blueprint("uploads", __name__)


def upload_limits() -> UploadLimits:
    """The limits in force in the current app."""
    return limits_from(current_app.config)


@bp.record_once
def _at_start(state: BlueprintSetupState) -> None:
    # Build the store and check the limits as soon as the routes exist, so a bad
    # OBJECT_STORE_URL or UPLOAD_* value stops the app at start-up, not at the first upload.
    init_app(state.app)
    try:
        limits_from(state.app.config)
    except ValueError as exc:
        raise SystemExit(f"Upload settings: {exc}") from None


@bp.app_template_global("accepted_file_types")
def _accepted_file_types() -> str:
    return ACCEPTED_SUMMARY


bp.add_app_template_global(upload_limits, "upload_limits")
bp.add_app_template_filter(human_size, "human_size")


# The view modules register their routes on `bp` when imported.
from portfolio.web.uploads import api, files  # noqa: E402, F401
