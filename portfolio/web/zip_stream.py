"""A zip written as it is sent: the standard library's zipfile writes to any stream that can
only be appended to (it then puts each entry's sizes after its data), so the archive is handed
to the response a chunk at a time and never held whole, however many gigabytes it holds."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

CHUNK = 1024 * 1024


class _Pipe:
    """A write-only stream whose bytes are taken away by the generator after each write."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def zip_stream(
    members: Iterable[tuple[str, datetime, Iterable[bytes]]],
) -> Iterator[bytes]:
    """The bytes of a zip of `members` (path, modified, content in chunks), in order."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:  # type: ignore[arg-type]
        for path, modified, content in members:
            info = zipfile.ZipInfo(path, date_time=modified.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, mode="w", force_zip64=True) as member:
                for chunk in content:
                    member.write(chunk)
                    yield from pipe.take()
            yield from pipe.take()
    yield from pipe.take()
