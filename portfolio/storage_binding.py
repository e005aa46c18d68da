"""The app's one object store, built from its config; services get it as an argument.

The local backend's "presigned" links are URLs of the uploads blueprint (web/uploads/files.py),
signed with the app's SECRET_KEY. The store is built when that blueprint is registered, so a
bad OBJECT_STORE_URL stops the app at start-up rather than at the first upload.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, url_for

from portfolio.domain.uploads.transfer import UploadLimits
from portfolio.storage import ObjectStore, store_from_config

EXTENSION_KEY = "object_store"
# links.UPLOAD/PART/DOWNLOAD/PUT -> the view of web/uploads/files.py that receives that link.
LOCAL_ENDPOINTS = {
    "upload": "uploads.local_upload",
    "part": "uploads.local_part",
    "download": "uploads.local_download",
    "put": "uploads.local_put",
}


_LIMIT_SETTINGS = {  # app config key -> UploadLimits field
    "UPLOAD_MAX_BYTES": "max_bytes",
    "UPLOAD_SINGLE_POST_MAX": "single_post_max",
    "UPLOAD_PART_BYTES": "part_bytes",
    "UPLOAD_PENDING_DAYS": "pending_days",
    "UPLOAD_MAX_PENDING": "max_pending_per_owner",
    "UPLOAD_MAX_PENDING_BYTES": "max_pending_bytes",
    "UPLOAD_VERIFY_STREAMS": "verify_streams",
    "PORTFOLIO_IMPORT_MAX_UPLOAD_BYTES": "import_max_bytes",
}


def limits_from(config: Mapping[str, Any]) -> UploadLimits:
    """UploadLimits' defaults, overridden by the UPLOAD_* values of `config` (the web's upload
    API and the check job read the same)."""
    return UploadLimits(
        **{field: int(config[key]) for key, field in _LIMIT_SETTINGS.items() if key in config}
    )


def local_link(purpose: str, token: str) -> str:
    """The URL of the app route that receives a local-store link (called inside a request)."""
    return url_for(LOCAL_ENDPOINTS[purpose], token=token)


def build_store(app: Flask) -> ObjectStore:
    return store_from_config(
        app.config, url_builder=local_link, signer_secret=app.config["SECRET_KEY"]
    )


def init_app(app: Flask) -> None:
    """Build the store once for `app` (a store already set, e.g. by a test, is kept)."""
    if app.extensions.get(EXTENSION_KEY) is None:
        app.extensions[EXTENSION_KEY] = build_store(app)


def get_store() -> ObjectStore:
    """The current app's store (inside an app context: a request or a CLI command)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get(EXTENSION_KEY)
    if store is None:
        init_app(app)
        store = app.extensions[EXTENSION_KEY]
    return store  # type: ignore[no-any-return]
