"""Checking an uploaded object on the server: nothing the browser said is taken on trust.

Size from the store's own HEAD, the type from the first bytes (magic numbers, never the name
or the browser's Content-Type) and the SHA-256 recomputed over the whole object, streamed in
chunks so memory stays flat whatever the file's size. Multipart uploads are joined from the
store's own list of parts, never from ETags the browser reports.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

from portfolio.domain.uploads.filetypes import (
    SNIFF_BYTES,
    DetectedType,
    FileTypeRefused,
    detect_type,
)
from portfolio.domain.uploads.fingerprint import (
    as_checksum,
    composite,
    first_differing,
    part_ranges,
)
from portfolio.domain.uploads.purposes import UploadPurpose, detect_import_zip, limits_for
from portfolio.domain.uploads.transfer import PartPlan, UploadLimits, human_size, misfit_part
from portfolio.models import Upload
from portfolio.storage import ObjectNotFound, ObjectStore, UploadRejected

HASH_CHUNK = 4 * 1024 * 1024
# Per ranged GET while reading parts back: what the check holds in memory per stream (the
# chunk being hashed and READ_AHEAD more, read meanwhile).
PART_READ_CHUNK = 1024 * 1024
READ_AHEAD = 2
RESEND = "Upload the file again."
Sniffer = Callable[[bytes, str], DetectedType]


def rules_for(upload: Upload, limits: UploadLimits) -> tuple[UploadLimits, Sniffer]:
    """The limits and the type check an upload is held to, by its purpose: evidence against
    the allow-list (which refuses plain zips), a portfolio import as a zip of its own size."""
    if upload.purpose == UploadPurpose.PORTFOLIO_IMPORT:
        return limits_for(UploadPurpose.PORTFOLIO_IMPORT, limits), detect_import_zip
    return limits, detect_type


@dataclass(frozen=True)
class Refusal:
    code: str  # for logs, the audit trail and tests
    message: str  # shown to the user


@dataclass(frozen=True)
class Verified:
    size: int
    sha256: str | None  # None for a file checked by parts (its fingerprint is their composite)
    content_type: str
    fingerprint: str | None = None  # the composite, for a file checked by parts

    @property
    def shown_fingerprint(self) -> str:
        """What snapshots carry: the composite, or the plain SHA-256."""
        found = self.fingerprint or self.sha256
        assert found is not None
        return found


def finish_multipart(
    store: ObjectStore,
    upload: Upload,
    plan: PartPlan,
    digests: Mapping[int, str] | None = None,
) -> Refusal | None:
    """Join the parts the store received, if each has the size `plan` gives it and together
    they make the announced file. An upload whose parts carry their checksums lists each
    with the SHA-256 the client reported (`digests`, hex), which the store compares with the
    one the part arrived with.

    None when the object is now complete (or was joined by an earlier, interrupted request)."""
    assert upload.multipart_upload_id is not None
    try:
        parts = store.list_parts(upload.key, upload.multipart_upload_id)
    except ObjectNotFound:
        return None  # already joined, or aborted: inspect_object finds out which
    if not parts:
        return Refusal("no_parts", f"No part of the file arrived. {RESEND}")
    numbers = [part.part_number for part in parts]
    if numbers != list(range(1, len(parts) + 1)):
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        return Refusal("parts_missing", f"Part {missing[0]} of the file never arrived. {RESEND}")
    # Checked here too, not only signed into the links: a store may not enforce the signature.
    misfit = misfit_part(
        ((part.part_number, part.size) for part in parts), plan, upload.declared_size
    )
    if misfit is not None:
        return Refusal("part_size", f"{misfit} It was cut off or changed on the way. {RESEND}")
    if len(parts) < plan.part_count:
        return Refusal(
            "parts_missing", f"Part {len(parts) + 1} of the file never arrived. {RESEND}"
        )
    received = sum(part.size for part in parts)
    if received != upload.declared_size:
        return _size_refusal(received, upload.declared_size)
    if upload.checksum_algorithm is not None and digests is not None:
        parts = [
            part._replace(checksum_sha256=as_checksum(digests[part.part_number]))
            if part.part_number in digests
            else part  # never: the check is asked for only with every part's digest
            for part in parts
        ]
    try:
        store.complete_multipart(upload.key, upload.multipart_upload_id, parts)
    except UploadRejected as exc:
        return Refusal("parts_invalid", exc.message)
    return None


def inspect_object(
    store: ObjectStore, upload: Upload, limits: UploadLimits, sniff: Sniffer = detect_type
) -> Verified | Refusal:
    """Size, type and SHA-256 of the object at upload.key against what was announced."""
    info = store.stat(upload.key)
    if info is None:
        return Refusal("missing", f"The file never arrived in storage. {RESEND}")
    if info.size == 0:
        return Refusal("empty", "The file is empty; choose a file with something in it.")
    if info.size > limits.max_bytes:
        return Refusal(
            "too_large",
            f"The file is {human_size(info.size)}; files can be at most "
            f"{human_size(limits.max_bytes)}.",
        )
    if info.size != upload.declared_size:
        return _size_refusal(info.size, upload.declared_size)
    try:
        detected = sniff(store.read_range(upload.key, 0, SNIFF_BYTES), upload.original_name)
        digest = _sha256(store, upload.key, info.size)
    except FileTypeRefused as exc:
        return Refusal(f"type_{exc.code}", exc.message)
    except ObjectNotFound:
        return Refusal(
            "missing", f"The file disappeared from storage while it was checked. {RESEND}"
        )
    if digest is None:
        return Refusal("changed", f"The file changed while it was checked. {RESEND}")
    if digest != upload.declared_sha256:
        return Refusal(
            "checksum",
            "The file that arrived is not the one you chose: its SHA-256 checksum differs, so "
            f"it was changed or damaged on the way. {RESEND}",
        )
    return Verified(info.size, digest, detected.mime)


def inspect_parts(
    store: ObjectStore,
    upload: Upload,
    plan: PartPlan,
    recorded: Mapping[int, str],
    limits: UploadLimits,
    sniff: Sniffer = detect_type,
) -> Verified | Refusal:
    """Size, type and every part's SHA-256 of the object at upload.key against the digests the
    client reported for its parts (`recorded`) and the composite it announced.

    The parts are read back by limits.verify_streams ranged GETs at once, each a run of whole
    parts hashed as its bytes arrive: memory stays at a chunk per stream, whatever the size."""
    info = store.stat(upload.key)
    if info is None:
        return Refusal("missing", f"The file never arrived in storage. {RESEND}")
    if info.size > limits.max_bytes:
        return Refusal(
            "too_large",
            f"The file is {human_size(info.size)}; files can be at most "
            f"{human_size(limits.max_bytes)}.",
        )
    if info.size != upload.declared_size:
        return _size_refusal(info.size, upload.declared_size)
    try:
        head, actual = _part_digests(store, upload.key, info.size, plan, limits.verify_streams)
        detected = sniff(head, upload.original_name)
    except FileTypeRefused as exc:
        return Refusal(f"type_{exc.code}", exc.message)
    except ObjectNotFound:
        return Refusal(
            "missing", f"The file disappeared from storage while it was checked. {RESEND}"
        )
    if actual is None:
        return Refusal("changed", f"The file changed while it was checked. {RESEND}")
    differing = first_differing(recorded, actual)
    if differing is not None or set(recorded) != set(actual):
        number = differing if differing is not None else min(set(actual) ^ set(recorded))
        return Refusal(
            "part_checksum",
            f"Part {number} of the file that arrived is not what your browser sent: its SHA-256 "
            f"checksum differs, so it was changed or damaged on the way. {RESEND}",
        )
    fingerprint = composite([actual[n] for n in sorted(actual)], plan.part_bytes)
    if fingerprint != upload.declared_fingerprint:
        return Refusal(
            "fingerprint",
            "The file's fingerprint your browser sent does not match its parts, so the file "
            f"cannot be trusted. {RESEND}",
        )
    return Verified(info.size, None, detected.mime, fingerprint)


def _part_digests(
    store: ObjectStore, key: str, size: int, plan: PartPlan, streams: int
) -> tuple[bytes, dict[int, str] | None]:
    """(the first SNIFF_BYTES, {part number: hex SHA-256}) read back from the store; None for
    the digests if the object does not hold `size` bytes any more."""
    ranges = part_ranges(size, plan.part_bytes)
    per_run = -(-len(ranges) // max(1, min(streams, len(ranges))))
    runs = [ranges[i : i + per_run] for i in range(0, len(ranges), per_run)]
    head = bytearray()

    def read_run(run: list[tuple[int, int, int]]) -> dict[int, str] | None:
        first, start = run[0][0], run[0][1]
        length = sum(part[2] for part in run)
        digests: dict[int, str] = {}
        parts = iter(run)
        number, _start, left = next(parts)
        digest = hashlib.sha256()
        for chunk in read_ahead(store.iter_range(key, start, length, PART_READ_CHUNK)):
            if first == 1 and len(head) < SNIFF_BYTES:
                head.extend(chunk[: SNIFF_BYTES - len(head)])
            view = memoryview(chunk)
            while view:
                if left == 0:
                    return None  # more bytes than the range asked for
                taken = view[:left]
                digest.update(taken)
                left -= len(taken)
                view = view[len(taken) :]
                if left == 0:
                    digests[number] = digest.hexdigest()
                    following = next(parts, None)
                    if following is not None:
                        number, _start, left = following
                        digest = hashlib.sha256()
        return digests if len(digests) == len(run) else None

    with ThreadPoolExecutor(max_workers=len(runs), thread_name_prefix="part-check") as pool:
        results = list(pool.map(read_run, runs))
    merged: dict[int, str] = {}
    for result in results:
        if result is None:
            return bytes(head), None
        merged.update(result)
    return bytes(head), merged


_END = object()


def read_ahead(chunks: Iterator[bytes], depth: int = READ_AHEAD) -> Iterator[bytes]:
    """The chunks of `chunks`, read by a thread of their own up to `depth` ahead, so the next
    chunk comes off the network while this one is hashed (hashlib lets go of the interpreter
    lock). The reader's errors are raised here; stopping early stops the reader too."""
    ahead: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not hand_over(chunk):
                    return
            hand_over(_END)
        except BaseException as exc:  # handed to the reading thread, which raises it
            hand_over(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="part-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = ahead.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(bytes, item)
    finally:
        stop.set()
        reader.join()


def _sha256(store: ObjectStore, key: str, size: int) -> str | None:
    """The SHA-256 hex of the object, or None if it holds other than `size` bytes now."""
    digest = hashlib.sha256()
    read = 0
    for chunk in store.iter_chunks(key, HASH_CHUNK):
        read += len(chunk)
        if read > size:
            return None  # replaced by something bigger since the HEAD: stop reading
        digest.update(chunk)
    return digest.hexdigest() if read == size else None


def _size_refusal(received: int, declared: int) -> Refusal:
    return Refusal(
        "size",
        f"The file that arrived has {received:,} bytes, not the {declared:,} announced; "
        f"it was cut off or changed on the way. {RESEND}",
    )
