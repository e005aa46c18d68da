"""Object storage behind one protocol: S3-compatible stores and local disk."""

from portfolio.storage.base import (
    CHECKSUM_HEADER,
    DEFAULT_EXPIRES,
    InvalidObjectKey,
    InvalidStorageLink,
    JoinSource,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    PresignedPost,
    StorageUnavailable,
    UploadedPart,
    UploadRejected,
    UploadTooLarge,
    part_headers,
)
from portfolio.storage.factory import store_from_config

__all__ = [
    "CHECKSUM_HEADER",
    "DEFAULT_EXPIRES",
    "InvalidObjectKey",
    "InvalidStorageLink",
    "JoinSource",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "PresignedPost",
    "StorageUnavailable",
    "UploadRejected",
    "UploadTooLarge",
    "UploadedPart",
    "part_headers",
    "store_from_config",
]
