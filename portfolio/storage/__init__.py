"""Object storage behind one protocol: S3-compatible stores and local disk."""

from portfolio.storage.base import (
    DEFAULT_EXPIRES,
    InvalidObjectKey,
    InvalidStorageLink,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    PresignedPost,
    StorageUnavailable,
    UploadedPart,
    UploadRejected,
    UploadTooLarge,
)
from portfolio.storage.factory import store_from_config

__all__ = [
    "DEFAULT_EXPIRES",
    "InvalidObjectKey",
    "InvalidStorageLink",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "PresignedPost",
    "StorageUnavailable",
    "UploadRejected",
    "UploadTooLarge",
    "UploadedPart",
    "store_from_config",
]
