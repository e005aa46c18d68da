"""Pick the object store named by OBJECT_STORE_URL: "file:///abs/path" or "s3://bucket"."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from portfolio.storage.base import ObjectStore
from portfolio.storage.links import UrlBuilder
from portfolio.storage.local import LocalStore


def store_from_config(
    config: Mapping[str, object],
    url_builder: UrlBuilder | None = None,
    signer_secret: str | bytes | None = None,
) -> ObjectStore:
    """The store for these settings. S3_* values left unset fall back to boto's standard
    chain (AWS_* environment variables, profiles, instance roles). The local store signs
    its links with `signer_secret`, or SECRET_KEY; without `url_builder` (CLI commands) it
    can do everything but make links. Raises ValueError for a URL it cannot use."""
    url = str(config.get("OBJECT_STORE_URL") or "")
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
        if parts.netloc not in ("", "localhost") or not path.is_absolute():
            raise ValueError(f"OBJECT_STORE_URL needs an absolute path: file:///..., not {url!r}")
        secret = signer_secret or _optional(config, "SECRET_KEY")
        return LocalStore(path, secret, url_builder)
    if parts.scheme == "s3":
        if not parts.netloc or parts.path.strip("/"):
            raise ValueError(f"OBJECT_STORE_URL must name only a bucket: s3://bucket, not {url!r}")
        # Imported here: boto3 takes about 0.3 s to import, and a file store never needs it.
        from portfolio.storage.s3 import S3Store

        return S3Store(
            parts.netloc,
            endpoint_url=_optional(config, "S3_ENDPOINT_URL"),
            region=_optional(config, "S3_REGION"),
            access_key=_optional(config, "S3_ACCESS_KEY_ID"),
            secret_key=_optional(config, "S3_SECRET_ACCESS_KEY"),
            connect_timeout=float(str(config.get("S3_CONNECT_TIMEOUT") or 3)),
            read_timeout=float(str(config.get("S3_READ_TIMEOUT") or 15)),
        )
    raise ValueError(f"OBJECT_STORE_URL must start with file:// or s3://, not {url!r}")


def _optional(config: Mapping[str, object], name: str) -> str | None:
    value = config.get(name)
    return str(value) if value else None
