"""ObjectStore on any S3-compatible service (AWS S3, MinIO, Ceph, moto) through boto3."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore import exceptions as boto_errors
from botocore.config import Config
from botocore.exceptions import ClientError

from portfolio.domain.uploads.downloads import download_disposition
from portfolio.storage.base import (
    DEFAULT_EXPIRES,
    JoinSource,
    ObjectInfo,
    ObjectNotFound,
    PresignedPost,
    Readable,
    StorageUnavailable,
    UploadedPart,
    UploadRejected,
    check_checksum_sha256,
    check_key,
    check_part_number,
    check_parts_in_order,
    check_prefix,
    check_signed_size,
)

log = logging.getLogger(__name__)

STREAM_PART_BYTES = 16 * 1024 * 1024  # put_stream's parts
JOIN_COPIES = 4  # part copies at once while joining staged parts
DELETE_BATCH = 1000  # S3's most keys in one DeleteObjects

_MISSING = {"404", "NoSuchKey", "NoSuchUpload", "NotFound"}
# An If-Match (or CopySourceIfMatch) that the object's ETag no longer meets: it was replaced.
_REPLACED = {"PreconditionFailed", "412"}
_BAD_PARTS = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "EntityTooLarge"}
# A part listed with a checksum other than the one it arrived with.
_BAD_CHECKSUMS = {"BadDigest"}
# The store is misconfigured or refuses us: the user can only wait while someone fixes it.
_UNUSABLE = {"NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """Turn boto's network and server errors into our typed errors (never a bare 500)."""
    try:
        yield
    except (
        boto_errors.ConnectionError,
        boto_errors.HTTPClientError,
        boto_errors.IncompleteReadError,
    ) as exc:
        # Refused, unresolvable, TLS or proxy failures (ConnectionError); read timeouts, resets
        # and broken streams (HTTPClientError): botocore has already retried.
        log.warning("object store unreachable (%s): %s", key, exc)
        raise StorageUnavailable() from exc
    except (boto_errors.NoCredentialsError, boto_errors.PartialCredentialsError) as exc:
        log.error("object store credentials missing: %s", exc)
        raise StorageUnavailable() from exc
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _MISSING:
            raise ObjectNotFound("That file or upload no longer exists.") from exc
        if code in _REPLACED:
            raise ObjectNotFound("That file was replaced after it was checked.") from exc
        if code in _BAD_PARTS:
            raise UploadRejected(
                "The upload's parts do not fit together (missing, out of order or too small); "
                "start the upload again."
            ) from exc
        if code in _BAD_CHECKSUMS:
            raise UploadRejected(
                "The upload's parts do not match the checksums they were sent with; start the "
                "upload again."
            ) from exc
        if status >= 500 or code in _UNUSABLE:
            log.error("object store refused %s: %s %s", key, status, code)
            raise StorageUnavailable() from exc
        raise


def _not_implemented(error: BaseException | None) -> bool:
    """The store answered that it does not have the operation (501 NotImplemented)."""
    if not isinstance(error, ClientError):
        return False
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return status == 501 or error.response.get("Error", {}).get("Code") == "NotImplemented"


def _etag(raw: str) -> str:
    return raw.strip('"')


def _listed(part: UploadedPart) -> dict[str, Any]:
    """A part as CompleteMultipartUpload lists it, with its SHA-256 when it has one."""
    listed: dict[str, Any] = {"PartNumber": part.part_number, "ETag": f'"{_etag(part.etag)}"'}
    if part.checksum_sha256 is not None:
        listed["ChecksumSHA256"] = check_checksum_sha256(part.checksum_sha256)
    return listed


class S3Store:
    """One bucket. Credentials left as None come from the standard AWS chain (env, profile,
    instance role). Short timeouts and few retries: a user is waiting on every call (completing
    a multipart upload excepted: the store may take minutes to join a large file's parts)."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        *,
        connect_timeout: float = 3,
        read_timeout: float = 15,
        complete_timeout: float = 100,  # joining parts; still inside gunicorn.conf.py's 120 s
        max_attempts: int = 3,
        addressing_style: str = "path",
        session: boto3.session.Session | None = None,
    ) -> None:
        self.bucket = bucket
        config = Config(
            s3={"addressing_style": addressing_style},
            signature_version="s3v4",
            retries={"total_max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        # Each store gets its own session unless given one: sessions are not thread-safe.
        session = session or boto3.session.Session()
        client_settings = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key,
            "aws_secret_access_key": secret_key,
        }
        self.client: Any = session.client("s3", config=config, **client_settings)
        self._deletes_in_batches = True  # until the store says it cannot (delete_many)
        # Completing a multipart upload joins the parts on the store's side: for a large file on
        # a busy or S3-compatible store that outlasts a short read timeout (AWS keeps the line
        # alive meanwhile; moto and others stay silent), and the retry that follows finds the
        # parts half joined. So that one call gets a patient client of its own.
        # No retry either: a second try would find the parts half joined, and the budget of one
        # try must stay inside the web server's timeout.
        patient = Config(read_timeout=complete_timeout, retries={"total_max_attempts": 1})
        self._completer: Any = session.client("s3", config=config.merge(patient), **client_settings)

    @property
    def browser_origin(self) -> str:
        """Where presigned URLs point, as CSP sources: the bucket's own host when addressed
        virtual-host style (bucket.s3.example.com), else the bucket's path on the endpoint, so a
        page may reach this bucket and no other bucket on the same endpoint."""
        endpoint = urlsplit(self.client.meta.endpoint_url)
        host = endpoint.netloc
        if self.client.meta.config.s3.get("addressing_style") == "virtual":
            return f"{endpoint.scheme}://{self.bucket}.{host}"
        bucket = f"{endpoint.scheme}://{host}/{self.bucket}"
        return f"{bucket} {bucket}/"  # the form POST goes to /bucket, parts to /bucket/key

    def presign_post(
        self,
        key: str,
        size: int,
        content_type: str | None = None,
        expires: int = DEFAULT_EXPIRES,
    ) -> PresignedPost:
        check_key(key)
        check_signed_size(size)
        fields: dict[str, str] = {}
        # boto adds {"bucket": ...} and an exact {"key": key} (no starts-with wildcard); equal
        # bounds make S3 refuse any file but one of exactly the announced size.
        conditions: list[Any] = [["content-length-range", size, size]]
        if content_type:
            fields["Content-Type"] = content_type
            conditions.append({"Content-Type": content_type})
        with _translated(key):
            post = self.client.generate_presigned_post(
                self.bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires
            )
        policy = json.loads(base64.b64decode(post["fields"]["policy"]))
        return PresignedPost(
            url=post["url"],
            fields=dict(post["fields"]),
            conditions=policy["conditions"],
            expires_at=datetime.now(UTC) + timedelta(seconds=expires),
        )

    def create_multipart(
        self, key: str, content_type: str, *, sha256_checksums: bool = False
    ) -> str:
        # With a checksum algorithm S3 checks each part's SHA-256 as it arrives and, on
        # completing, the ones listed; moto joins such parts one by one instead of copying the
        # whole file again to compute a checksum of the whole object.
        extra = {"ChecksumAlgorithm": "SHA256"} if sha256_checksums else {}
        with _translated(check_key(key)):
            reply = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType=content_type, **extra
            )
        return str(reply["UploadId"])

    def presign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        size: int,
        expires: int = DEFAULT_EXPIRES,
        *,
        checksum_sha256: str | None = None,
    ) -> str:
        check_part_number(part_number)
        # ContentLength becomes a signed header (X-Amz-SignedHeaders=content-length;host):
        # S3 answers 403 to a PUT of any other length, so a part cannot outgrow the plan.
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": check_key(key),
            "UploadId": upload_id,
            "PartNumber": part_number,
            "ContentLength": check_signed_size(size),
        }
        if checksum_sha256 is not None:
            # Signed too (x-amz-checksum-sha256): S3 answers 403 to a PUT without exactly this
            # value and 400 BadDigest to bytes whose SHA-256 is another.
            params["ChecksumSHA256"] = check_checksum_sha256(checksum_sha256)
        with _translated(key):
            return str(
                self.client.generate_presigned_url("upload_part", Params=params, ExpiresIn=expires)
            )

    def presign_put(
        self, key: str, size: int, checksum_sha256: str, expires: int = DEFAULT_EXPIRES
    ) -> str:
        # Length and SHA-256 signed, as for a part: S3 answers 403 to any other length and to a
        # PUT without exactly this checksum header, and 400 BadDigest to other bytes.
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": check_key(key),
            "ContentLength": check_signed_size(size),
            "ChecksumSHA256": check_checksum_sha256(checksum_sha256),
        }
        with _translated(key):
            return str(
                self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires)
            )

    def read_object(
        self, key: str, chunk_size: int = 1024 * 1024, *, if_match: str | None = None
    ) -> tuple[str, Iterator[bytes]]:
        extra = {"IfMatch": f'"{_etag(if_match)}"'} if if_match else {}
        with _translated(check_key(key)):
            reply = self.client.get_object(Bucket=self.bucket, Key=key, **extra)
        body = reply["Body"]

        def chunks() -> Iterator[bytes]:
            with _translated(key):
                try:
                    yield from body.iter_chunks(chunk_size)
                finally:
                    body.close()

        return _etag(reply["ETag"]), chunks()

    def join_objects(self, key: str, upload_id: str, sources: Sequence[JoinSource]) -> str | None:
        """Copy each source object into the multipart upload as its part (the store's own
        copies, a few at once; each only if the source still has the ETag that was checked),
        then complete it listing every part's SHA-256: the store's composite checksum of the
        whole ("<base64>-N"), when it reports one."""
        if not sources:
            raise UploadRejected("The upload has no parts; nothing was saved.")

        def copy(numbered: tuple[int, JoinSource]) -> dict[str, Any]:
            number, source = numbered
            with _translated(check_key(source.key)):
                reply = self._completer.upload_part_copy(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=check_part_number(number),
                    CopySource={"Bucket": self.bucket, "Key": source.key},
                    CopySourceIfMatch=f'"{_etag(source.etag)}"',
                )
            copied = reply["CopyPartResult"]
            # What the store says it copied: the part's SHA-256 (S3, as the upload has that
            # checksum algorithm) or else its ETag (moto), each that of the checked bytes.
            if copied.get("ChecksumSHA256", source.checksum_sha256) != source.checksum_sha256 or (
                "ChecksumSHA256" not in copied and _etag(copied["ETag"]) != _etag(source.etag)
            ):
                raise ObjectNotFound(f"Staged part {source.key!r:.80} was replaced.")
            return {
                "PartNumber": number,
                "ETag": copied["ETag"],
                "ChecksumSHA256": check_checksum_sha256(source.checksum_sha256),
            }

        with ThreadPoolExecutor(max_workers=JOIN_COPIES, thread_name_prefix="join") as pool:
            listed = list(pool.map(copy, enumerate(sources, start=1)))
        with _translated(check_key(key)):
            reply = self._completer.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": listed}
            )
        found = reply.get("ChecksumSHA256")
        return str(found) if found else None

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        parts: list[UploadedPart] = []
        with _translated(check_key(key)):
            pages = self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
            for page in pages:
                parts.extend(
                    UploadedPart(int(p["PartNumber"]), _etag(p["ETag"]), int(p["Size"]))
                    for p in page.get("Parts", [])
                )
        return sorted(parts)

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        check_parts_in_order(parts)
        listed = [_listed(part) for part in parts]
        with _translated(check_key(key)):
            self._completer.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": listed}
            )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            with _translated(check_key(key)):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ObjectNotFound:
            return  # already aborted or completed: nothing left to drop

    def list_multipart(self, prefix: str = "") -> Iterator[tuple[str, str, datetime]]:
        with _translated(check_prefix(prefix)):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Uploads", []):
                    yield item["Key"], item["UploadId"], item["Initiated"]

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            with _translated(check_key(key)):
                head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ObjectNotFound:
            return None
        return ObjectInfo(
            key=key,
            size=int(head["ContentLength"]),
            etag=_etag(head["ETag"]),
            content_type=head.get("ContentType"),
            last_modified=head.get("LastModified"),
        )

    def read_range(self, key: str, start: int, length: int) -> bytes:
        if start < 0 or length < 1:
            raise ValueError("read_range needs start >= 0 and length >= 1")
        byte_range = f"bytes={start}-{start + length - 1}"
        with _translated(check_key(key)):
            try:
                reply = self.client.get_object(Bucket=self.bucket, Key=key, Range=byte_range)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                    return b""  # the range starts past the end: no bytes, not an error
                raise
            return bytes(reply["Body"].read())

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        with _translated(check_key(key)):
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                yield from body.iter_chunks(chunk_size)
            finally:
                body.close()

    def iter_range(
        self, key: str, start: int, length: int, chunk_size: int = 1024 * 1024
    ) -> Iterator[bytes]:
        if start < 0 or length < 1:
            raise ValueError("iter_range needs start >= 0 and length >= 1")
        byte_range = f"bytes={start}-{start + length - 1}"
        with _translated(check_key(key)):
            try:
                reply = self.client.get_object(Bucket=self.bucket, Key=key, Range=byte_range)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                    return  # the range starts past the end: no bytes, not an error
                raise
            body = reply["Body"]
            try:
                yield from body.iter_chunks(chunk_size)
            finally:
                body.close()

    def copy(self, source_key: str, target_key: str) -> None:
        with _translated(check_key(source_key)):
            # The managed copy switches to a multipart copy for large objects by itself.
            self.client.copy(
                {"Bucket": self.bucket, "Key": source_key}, self.bucket, check_key(target_key)
            )

    def delete(self, key: str) -> None:
        with _translated(check_key(key)):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_many(self, keys: Sequence[str]) -> list[str]:
        refused: list[str] = []
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [check_key(key) for key in keys[start : start + DELETE_BATCH]]
            if not self._deletes_in_batches:
                for key in batch:
                    self.delete(key)
                continue
            try:
                with _translated(batch[0]):
                    reply = self.client.delete_objects(
                        Bucket=self.bucket,
                        Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                    )
            except StorageUnavailable as exc:
                if not _not_implemented(exc.__cause__):
                    raise
                # An S3-compatible store without DeleteObjects: one request per object, from
                # now on, rather than no deletion ever.
                log.warning("the store cannot delete in batches; deleting one object at a time")
                self._deletes_in_batches = False
                for key in batch:
                    self.delete(key)
                continue
            for error in reply.get("Errors", []):
                if error.get("Code") == "NoSuchKey":
                    continue  # already gone: what was asked
                log.warning("the store did not delete %s: %s", error.get("Key"), error.get("Code"))
                refused.append(str(error.get("Key")))
        return refused

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with _translated(check_key(key)):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def put_stream(self, key: str, stream: Readable, content_type: str) -> None:
        # boto3 sends a long stream in parts of STREAM_PART_BYTES, a few at once.
        with _translated(check_key(key)):
            self.client.upload_fileobj(
                stream,
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Config=TransferConfig(
                    multipart_threshold=STREAM_PART_BYTES,
                    multipart_chunksize=STREAM_PART_BYTES,
                    max_concurrency=4,
                ),
            )

    def list_keys(self, prefix: str = "") -> Iterator[ObjectInfo]:
        with _translated(check_prefix(prefix)):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(
                        key=item["Key"],
                        size=int(item["Size"]),
                        etag=_etag(item["ETag"]),
                        last_modified=item.get("LastModified"),
                    )

    def presign_get(
        self,
        key: str,
        filename: str,
        content_type: str,
        inline: bool = False,
        expires: int = DEFAULT_EXPIRES,
    ) -> str:
        params = {
            "Bucket": self.bucket,
            "Key": check_key(key),
            "ResponseContentType": content_type,
            "ResponseContentDisposition": download_disposition(
                filename, content_type, inline=inline
            ),
        }
        with _translated(key):
            return str(
                self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)
            )
