"""Writing untrusted byte streams to disk: all or nothing, never past a size limit."""

from __future__ import annotations

import hashlib
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from portfolio.storage.base import Readable, UploadRejected, UploadTooLarge

COPY_CHUNK = 1024 * 1024


class Hasher(Protocol):
    """A hashlib object: fed every byte received, besides the MD5."""

    def update(self, data: bytes, /) -> None: ...


@contextmanager
def scratch_file(folder: Path) -> Iterator[Path]:
    """A temporary file name in `folder`, removed at exit unless it was moved into place."""
    path = folder / f".tmp-{secrets.token_hex(8)}"
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def receive(
    stream: Readable, dest: Path, max_bytes: int, also: Hasher | None = None
) -> tuple[int, str]:
    """Copy `stream` into `dest`; returns (size, MD5 hex). `also` hashes the same bytes.

    Reads at most max_bytes + 1 bytes: UploadTooLarge (413) past the limit, UploadRejected
    (422) when empty. The caller removes `dest` on error (see scratch_file)."""
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    with dest.open("wb") as out:
        while chunk := stream.read(min(COPY_CHUNK, max_bytes + 1 - size)):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge(
                    f"The file is larger than the {max_bytes:,} bytes allowed; nothing was saved."
                )
            md5.update(chunk)
            if also is not None:
                also.update(chunk)
            out.write(chunk)
    if size == 0:
        raise UploadRejected("The file is empty; nothing was saved.")
    return size, md5.hexdigest()


def receive_exactly(stream: Readable, dest: Path, size: int, also: Hasher | None = None) -> str:
    """Copy exactly `size` bytes from `stream` into `dest`; returns their MD5 hex. `also`
    hashes the same bytes.

    A link signed for `size` bytes takes no other length: UploadTooLarge (413) past it,
    UploadRejected (422) short of it or empty. The caller removes `dest` on error."""
    received, md5 = receive(stream, dest, size, also)
    if received != size:
        raise UploadRejected(
            f"{received:,} bytes arrived, but this link takes exactly {size:,}; nothing was saved."
        )
    return md5


def copy_stream(stream: Readable, dest: Path) -> str:
    """Copy `stream` into `dest` to its end; returns the MD5 hex (the caller bounds it)."""
    md5 = hashlib.md5(usedforsecurity=False)
    with dest.open("wb") as out:
        while chunk := stream.read(COPY_CHUNK):
            md5.update(chunk)
            out.write(chunk)
    return md5.hexdigest()


def concatenate(sources: Iterable[Path], dest: Path) -> None:
    with dest.open("wb") as out:
        for path in sources:
            with path.open("rb") as source:
                shutil.copyfileobj(source, out, COPY_CHUNK)


def multipart_etag(part_etags: Iterable[str]) -> str:
    """S3's ETag of a multipart object: MD5 of the parts' binary MD5s, then "-<count>"."""
    digests = [bytes.fromhex(etag) for etag in part_etags]
    combined = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
    return f"{combined}-{len(digests)}"
