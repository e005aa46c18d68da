"""The check reads the next chunk of a part from the store while it hashes this one
(services.uploads.checks.read_ahead): same bytes in the same order, the store's errors
raised to the check, and a check that stops early stops the reading too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from portfolio.services.uploads.checks import read_ahead
from portfolio.storage import StorageUnavailable


def test_every_chunk_arrives_once_in_order() -> None:
    chunks = [bytes([n]) * 10 for n in range(50)]
    assert list(read_ahead(iter(chunks))) == chunks


def test_the_reader_stays_a_bounded_number_of_chunks_ahead() -> None:
    handed: list[int] = []

    def chunks() -> Iterator[bytes]:
        for n in range(100):
            handed.append(n)
            yield bytes([n])

    reading = read_ahead(chunks(), depth=2)
    assert next(reading) == b"\x00"
    time.sleep(0.3)  # the reader had time to run ahead as far as it may
    # The one handed out, two waiting in the queue, one read and waiting for room.
    assert len(handed) <= 4
    reading.close()


def test_a_store_error_midway_reaches_the_check() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"first"
        raise StorageUnavailable()

    reading = read_ahead(chunks())
    assert next(reading) == b"first"
    with pytest.raises(StorageUnavailable):
        next(reading)


def test_stopping_early_closes_the_stores_stream() -> None:
    closed = threading.Event()

    def chunks() -> Iterator[bytes]:
        try:
            n = 0
            while True:
                yield bytes([n % 256])
                n += 1
        finally:
            closed.set()

    reading = read_ahead(chunks())
    assert next(reading) == b"\x00"
    reading.close()  # the check found more bytes than it asked for, and returned
    assert closed.is_set()
