"""A stored object as a seekable, read-only file, read through ranged GETs.

zipfile needs to seek (an archive's directory is at its end, and each member is found from
it), so a portfolio export kept in the object store is read through this: every read that
misses the small read-ahead buffer is one ranged GET (read_range) of at least `read_ahead`
bytes and at most `max_fetch`, so memory stays at one buffer whatever the object's size. It
works on any ObjectStore (local disk and S3 alike).
"""

from __future__ import annotations

import io
import os
from typing import Any

from portfolio.storage.base import ObjectStore

READ_AHEAD = 256 * 1024  # zipfile reads in small steps; one GET serves many of them
MAX_FETCH = 8 * 1024 * 1024  # the most one GET asks for, whatever one read wants


class RangedReader(io.RawIOBase):
    """`size` bytes of the object at `key`, readable from any offset. `fetches` counts the
    ranged GETs made (for tests and logs). ObjectNotFound and StorageUnavailable propagate."""

    def __init__(
        self,
        store: ObjectStore,
        key: str,
        size: int,
        *,
        read_ahead: int = READ_AHEAD,
        max_fetch: int = MAX_FETCH,
    ) -> None:
        super().__init__()
        if size < 0 or read_ahead < 1 or max_fetch < read_ahead:
            raise ValueError("a ranged reader needs size >= 0 and 1 <= read_ahead <= max_fetch")
        self.store = store
        self.key = key
        self.size = size
        self.read_ahead = read_ahead
        self.max_fetch = max_fetch
        self.position = 0
        self.buffer = b""
        self.buffer_start = 0
        self.fetches = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            target = offset
        elif whence == os.SEEK_CUR:
            target = self.position + offset
        elif whence == os.SEEK_END:
            target = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence!r}")
        if target < 0:
            raise OSError("cannot seek before the start of the object")
        self.position = target
        return target

    def _some(self, wanted: int) -> bytes:
        """Up to `wanted` bytes from the position (at least one unless at the end)."""
        if wanted <= 0 or self.position >= self.size:
            return b""
        offset = self.position - self.buffer_start
        if not 0 <= offset < len(self.buffer):
            length = min(max(wanted, self.read_ahead), self.max_fetch, self.size - self.position)
            self.buffer = self.store.read_range(self.key, self.position, length)
            self.buffer_start = self.position
            self.fetches += 1
            offset = 0
            if not self.buffer:
                return b""  # the object is shorter than it was: zipfile then finds it damaged
        chunk = self.buffer[offset : offset + wanted]
        self.position += len(chunk)
        return chunk

    def read(self, size: int | None = -1, /) -> bytes:
        """Exactly `size` bytes (fewer only at the end); the rest of the object without one."""
        if size is None or size < 0:
            size = max(self.size - self.position, 0)
        parts = []
        left = size
        while left > 0:
            chunk = self._some(left)
            if not chunk:
                break
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        chunk = self._some(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)
