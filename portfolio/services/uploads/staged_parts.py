"""Staged parts: a file sent in parts, each part checked as it lands, joined once it counts.

Each part of an upload checked by parts goes to an object of its own (its link signed for its
length and the SHA-256 the browser reported, filenames.staged_part_key). When the browser says
a part has landed (`check_sent_part`), the server reads that object back, hashes it and
compares, while the next parts are still on their way; the check asked for by `complete`
(services.uploads.verification) then only reads the parts nobody reported, so the file counts
a moment after its last part arrives, every byte of it read back and matched. Only then does
the store join the parts into the one object at the upload's key (`join_staged`, a job of its
own): on S3 that is the store's own copying, on the local disk a concatenation. Until it has
joined them, the file is read from its parts (`file_chunks`), each only while it still has the
ETag of the bytes that were checked, and the join copies only those bytes too.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portfolio.domain.audit_actions import AuditAction
from portfolio.domain.errors import Conflict
from portfolio.domain.uploads.filenames import staged_part_key
from portfolio.domain.uploads.filetypes import SNIFF_BYTES, FileTypeRefused
from portfolio.domain.uploads.fingerprint import as_checksum, composite, parse_composite
from portfolio.domain.uploads.transfer import (
    PARTS_AT_ONCE,
    PartPlan,
    UploadLimits,
    check_part_number,
    check_part_numbers,
    part_plan,
)
from portfolio.models import Upload, UploadPartDigest, UploadStatus, User
from portfolio.services import outbox
from portfolio.services.uploads.checks import RESEND, Refusal, Sniffer, Verified, rules_for
from portfolio.services.uploads.deletions import delete_after_commit
from portfolio.services.uploads.transfers import CHANGED, mark_broken, reject, require_pending
from portfolio.storage import JoinSource, ObjectNotFound, ObjectStore, UploadRejected
from portfolio.storage.disk import multipart_etag

log = logging.getLogger(__name__)

JOIN_JOB = "portfolio.jobs.uploads.join_upload"
# With a task queue a worker reads each reported part back, not the web process that took the
# report (a 2 GB file is 128 reads of 16 MB, which would hold a web worker each).
CHECK_PART_JOB = "portfolio.jobs.uploads.check_part"
_MD5_MULTIPART = re.compile(r"^[0-9a-f]{32}-[0-9]+$")
READ_CHUNK = 1024 * 1024
# A verified file whose join has not finished this long after it counted: its job was lost
# (the broker, or a worker that died), so the sweep queues it again.
JOIN_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class CheckedPart:
    """A staged part as the server read it back: its SHA-256 (hex) and the store's ETag."""

    sha256: str
    etag: str


def part_key(upload: Upload, part_number: int) -> str:
    return staged_part_key(upload.key, part_number)


def differs(part_number: int) -> Refusal:
    return Refusal(
        "part_checksum",
        f"Part {part_number} of the file that arrived is not what your browser sent: its SHA-256 "
        f"checksum differs, so it was changed or damaged on the way. {RESEND}",
    )


def read_part(
    store: ObjectStore, key: str, part_number: int, size: int, *, head: bytearray | None
) -> CheckedPart | Refusal:
    """Read one staged part back: its digest and ETag, or a Refusal when it holds other than
    `size` bytes. `head` collects the first SNIFF_BYTES (part 1, for the type check).
    ObjectNotFound when it is not there."""
    etag, chunks = store.read_object(staged_part_key(key, part_number), READ_CHUNK)
    digest = hashlib.sha256()
    read = 0
    try:
        for chunk in chunks:
            read += len(chunk)
            if read > size:
                break  # more than the part holds: no need to read the rest
            if head is not None and len(head) < SNIFF_BYTES:
                head.extend(chunk[: SNIFF_BYTES - len(head)])
            digest.update(chunk)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    if read != size:
        return Refusal(
            "part_size",
            f"Part {part_number} of the file arrived with other than its {size:,} bytes: it was "
            f"cut off or changed on the way. {RESEND}",
        )
    return CheckedPart(digest.hexdigest(), etag)


def check_sent_part(
    session: Session,
    store: ObjectStore,
    upload: Upload,
    part_number: object,
    *,
    now: datetime,
    limits: UploadLimits,
    actor: User | None,
    queue: bool = False,
) -> Refusal | None:
    """The browser says part `part_number` has landed: read it back (no lock held meanwhile),
    compare it with the digest its link was signed for, then record it as checked, or refuse
    the whole upload (a part that differs, or a first part of a refused type). A part already
    checked, or an upload whose check was asked for (the check reads what is left), is left
    alone. InvalidInput (422) for a bad number; Conflict (409) for a part whose digest was
    never reported or that has not arrived. With `queue`, the reading back is CHECK_PART_JOB's,
    after the commit (this again, in a worker): a refusal then shows in the upload."""
    if not upload.parts_staged:
        raise Conflict("This upload's parts are checked once they are all sent.")
    limits, sniff = rules_for(upload, limits)
    plan = part_plan(upload.declared_size, limits)
    part_number = check_part_number(part_number, plan)
    if upload.status == UploadStatus.REJECTED:
        # A part that was on its way when the file was refused landed after its parts were
        # deleted: no row names it, so it goes too (nothing half-kept).
        delete_after_commit(session, store, part_key(upload, part_number))
        return Refusal("refused", upload.rejection_reason)
    require_pending(upload, now)
    recorded = session.get(UploadPartDigest, (upload.id, part_number))
    if recorded is None:
        raise Conflict(f"Part {part_number}'s checksum never arrived: ask for its link first.")
    if recorded.checked_at is not None or upload.check_requested_at is not None:
        return None
    if queue:
        outbox.enqueue(session, CHECK_PART_JOB, upload.id, part_number)
        return None
    expected, upload_id, key = recorded.sha256, upload.id, upload.key
    size, name = plan.size_of(part_number, upload.declared_size), upload.original_name
    # Nothing is held while the part is read back: on SQLite every transaction holds the write
    # lock (BEGIN IMMEDIATE), so the rows are not touched again until the lock below.
    session.commit()
    head = bytearray() if part_number == 1 else None
    try:
        found = read_part(store, key, part_number, size, head=head)
    except ObjectNotFound:
        raise Conflict(f"Part {part_number} has not arrived; send it again.") from None
    refusal = found if isinstance(found, Refusal) else None
    if isinstance(found, CheckedPart) and found.sha256 != expected:
        refusal = differs(part_number)
    if refusal is None and head is not None:
        try:
            sniff(bytes(head), name)
        except FileTypeRefused as exc:
            refusal = Refusal(f"type_{exc.code}", exc.message)
    locked = session.scalars(
        select(Upload)
        .where(Upload.id == upload_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.status != UploadStatus.PENDING or locked.check_requested_at is not None:
        return None  # decided meanwhile, or the check `complete` asked for has it now
    if refusal is not None:
        reject(session, store, locked, refusal, actor=actor, action=AuditAction.UPLOAD_REJECTED)
        return refusal
    assert isinstance(found, CheckedPart)
    session.execute(
        update(UploadPartDigest)
        .where(
            UploadPartDigest.upload_id == upload_id,
            UploadPartDigest.part_number == part_number,
            UploadPartDigest.sha256 == found.sha256,
        )
        .values(checked_at=now, checked_etag=found.etag)
        .execution_options(synchronize_session=False)
    )
    return None


@dataclass(frozen=True)
class SentReport:
    """What became of several parts reported sent: the parts named (ascending), the first
    refusal, and the parts not read back now with why."""

    part_numbers: list[int]
    refusal: Refusal | None
    unread: dict[int, str]


def check_sent_parts(
    session: Session,
    store: ObjectStore,
    upload: Upload,
    part_numbers: object,
    *,
    now: datetime,
    limits: UploadLimits,
    actor: User | None,
    queue: bool = False,
) -> SentReport:
    """Several parts reported sent in one request (at most PARTS_AT_ONCE): each read back (or
    queued) as check_sent_part does, in order. A part that cannot be read back now (its digest
    never arrived, or it is not there yet: the check `complete` asks for reads it) does not
    hold up the others. After a refusal the rest are still looked at, so that any of them that
    landed is deleted."""
    if not upload.parts_staged:
        raise Conflict("This upload's parts are checked once they are all sent.")
    if upload.status != UploadStatus.REJECTED:  # a refused one deletes what still lands
        require_pending(upload, now)
    plan = part_plan(upload.declared_size, rules_for(upload, limits)[0])
    refusal: Refusal | None = None
    unread: dict[int, str] = {}
    numbers = check_part_numbers(part_numbers, plan, PARTS_AT_ONCE)
    for number in numbers:
        try:
            refused = check_sent_part(
                session, store, upload, number, now=now, limits=limits, actor=actor, queue=queue
            )
        except Conflict as exc:
            if upload.status != UploadStatus.PENDING:
                raise  # finished (or lapsed) meanwhile: the whole report is answered so
            unread[number] = exc.message
            continue
        refusal = refusal or refused
    return SentReport(numbers, refusal, unread)


def staged_rows(session: Session, upload_id: int) -> dict[int, UploadPartDigest]:
    """The reported parts of an upload, by number (detached copies for a job)."""
    rows = session.scalars(
        select(UploadPartDigest).where(UploadPartDigest.upload_id == upload_id)
    ).all()
    for row in rows:
        session.expunge(row)
    return {row.part_number: row for row in rows}


def verify_staged(
    store: ObjectStore,
    upload: Upload,
    plan: PartPlan,
    rows: Mapping[int, UploadPartDigest],
    limits: UploadLimits,
    sniff: Sniffer,
    write_copy: Callable[[Verified, Callable[[], Iterator[bytes]]], Refusal | None],
) -> tuple[Verified | Refusal, dict[int, CheckedPart]]:
    """The check of a staged upload: the parts nobody reported as landed are read back now
    (limits.verify_streams at once), every part must match the digest it was signed for, the
    first part's bytes give the type, and the reported digests make the announced composite.
    Returns the verdict and what was read back here (recorded by the caller with its verdict).
    `write_copy` makes the reviewers' copy from the parts before the file counts."""
    ranges = range(1, plan.part_count + 1)
    missing = next((n for n in ranges if n not in rows), None)
    if missing is not None:
        return Refusal("parts_missing", f"Part {missing} of the file never arrived. {RESEND}"), {}
    unchecked = [n for n in ranges if rows[n].checked_at is None or not rows[n].checked_etag]

    def check(number: int) -> CheckedPart | Refusal:
        size = plan.size_of(number, upload.declared_size)
        try:
            found = read_part(store, upload.key, number, size, head=None)
        except ObjectNotFound:
            return Refusal("parts_missing", f"Part {number} of the file never arrived. {RESEND}")
        if isinstance(found, CheckedPart) and found.sha256 != rows[number].sha256:
            return differs(number)
        return found

    streams = max(1, min(limits.verify_streams, len(unchecked) or 1))
    with ThreadPoolExecutor(max_workers=streams, thread_name_prefix="part-check") as pool:
        results = dict(zip(unchecked, pool.map(check, unchecked), strict=True))
    refused = next((r for n, r in sorted(results.items()) if isinstance(r, Refusal)), None)
    if refused is not None:
        return refused, {}
    fresh = {n: r for n, r in results.items() if isinstance(r, CheckedPart)}
    etags = {n: fresh[n].etag if n in fresh else str(rows[n].checked_etag) for n in ranges}
    try:
        head = store.read_range(part_key(upload, 1), 0, SNIFF_BYTES)
        detected = sniff(head, upload.original_name)
    except FileTypeRefused as exc:
        return Refusal(f"type_{exc.code}", exc.message), {}
    except ObjectNotFound:
        return Refusal("parts_missing", f"Part 1 of the file never arrived. {RESEND}"), {}
    fingerprint = composite([rows[n].sha256 for n in ranges], plan.part_bytes)
    if fingerprint != upload.declared_fingerprint:
        return Refusal(
            "fingerprint",
            "The file's fingerprint your browser sent does not match its parts, so the file "
            f"cannot be trusted. {RESEND}",
        ), {}
    verdict = Verified(upload.declared_size, None, detected.mime, fingerprint)
    refusal = write_copy(verdict, lambda: parts_chunks(store, upload, etags))
    return (refusal or verdict), fresh


def record_checked(
    session: Session, upload_id: int, fresh: Mapping[int, CheckedPart], now: datetime
) -> None:
    """Keep what the check read back (the join copies only those bytes)."""
    for number, part in fresh.items():
        session.execute(
            update(UploadPartDigest)
            .where(UploadPartDigest.upload_id == upload_id, UploadPartDigest.part_number == number)
            .values(checked_at=now, checked_etag=part.etag)
            .execution_options(synchronize_session=False)
        )


def parts_chunks(store: ObjectStore, upload: Upload, etags: Mapping[int, str]) -> Iterator[bytes]:
    """The file's bytes from its staged parts, in order, each part only while it still has the
    ETag that was checked (ObjectNotFound otherwise)."""
    yield from _chained(store, upload.key, etags)


def _chained(store: ObjectStore, key: str, etags: Mapping[int, str]) -> Iterator[bytes]:
    for number in sorted(etags):
        _etag, chunks = store.read_object(
            staged_part_key(key, number), READ_CHUNK, if_match=etags[number]
        )
        yield from chunks


@dataclass(frozen=True)
class StoredFile:
    """Where a verified file's bytes are, read from the database before the store is read (so
    that no transaction stays open meanwhile: on SQLite every one holds the write lock)."""

    key: str
    size: int
    # Each staged part's checked ETag while the file is still in parts; empty once joined.
    etags: Mapping[int, str]
    part_count: int = 0


def still_in_parts(upload: Upload) -> bool:
    """A verified file the store has not joined yet: read it with file_chunks."""
    return upload.parts_staged and upload.joined_at is None


def stored_file(session: Session, upload: Upload) -> StoredFile:
    """Where `upload`'s bytes are now (one query for a file still in parts)."""
    size = int(upload.size or upload.declared_size)
    if not still_in_parts(upload):
        return StoredFile(upload.key, size, {})
    etags = {n: str(row.checked_etag) for n, row in staged_rows(session, upload.id).items()}
    parsed = parse_composite(upload.fingerprint)
    return StoredFile(upload.key, size, etags, parsed.part_count if parsed else len(etags))


def file_chunks(store: ObjectStore, stored: StoredFile) -> Iterator[bytes]:
    """A verified file's bytes, wherever they are: the joined object, or its staged parts until
    the store has joined them. Every part is first checked to be the one that was checked: a
    replaced part refuses the reader (ObjectNotFound) before the first byte rather than
    handing it a file cut off where that part begins. A join that finished since the rows were
    read (its parts gone) is read from the joined object, from where the parts stopped."""
    whole = len(stored.etags) == stored.part_count and stored.part_count > 0
    if whole:
        for number, etag in stored.etags.items():
            found = store.stat(staged_part_key(stored.key, number))
            if found is None or found.etag != etag:
                whole = False
                break
    if not whole:
        if stored.etags and store.stat(stored.key) is None:
            raise ObjectNotFound("A part of that file was replaced after it was checked.")
        yield from store.iter_chunks(stored.key)
        return
    sent = 0
    try:
        for chunk in _chained(store, stored.key, stored.etags):
            sent += len(chunk)
            yield chunk
    except ObjectNotFound:
        if sent < stored.size:
            yield from store.iter_range(stored.key, sent, stored.size - sent)


def reader_for(
    session: Session, store: ObjectStore, keys: Collection[str]
) -> Callable[[str], Iterator[bytes]]:
    """A function giving the bytes of the object at any of `keys` (files of verified uploads),
    from its staged parts for a file not joined yet. Everything it needs from the database is
    read now (a query, and one per file still in parts: seconds after its upload, rarely), so
    that reading later touches only the store."""
    in_parts = (
        {
            upload.key: stored_file(session, upload)
            for upload in session.scalars(
                select(Upload).where(
                    Upload.key.in_(list(keys)),
                    Upload.parts_staged.is_(True),
                    Upload.joined_at.is_(None),
                )
            )
        }
        if keys
        else {}
    )

    def read(key: str) -> Iterator[bytes]:
        stored = in_parts.get(key)
        return file_chunks(store, stored) if stored else store.iter_chunks(key)

    return read


def queue_join(session: Session, upload: Upload) -> None:
    """The store joins the parts after the commit that made the file count."""
    outbox.enqueue(session, JOIN_JOB, upload.id)


def join_staged(
    new_session: Callable[[], Session],
    store: ObjectStore,
    upload_id: int,
    *,
    now: Callable[[], datetime],
) -> bool:
    """Join a verified upload's staged parts into the object at its key; True once joined
    (by this run or an earlier one). Nothing for an upload that is not verified (refused or
    deleted meanwhile: its parts went with it). The parts are deleted after the commit that
    says the file is joined. Safe to run twice: a join an earlier run finished is recognised
    by its ETag. StorageUnavailable propagates (the job is retried).

    A part replaced since it was checked (possible only on a store that ignores the signed
    checksum) is never joined: the store's copy names other bytes, so the file is marked
    broken, as reconcile marks a changed one, and what it left in the store goes."""
    with new_session() as session:
        upload = session.get(Upload, upload_id)
        if upload is None or upload.status != UploadStatus.VERIFIED or not upload.parts_staged:
            return False
        if upload.joined_at is not None:
            return True
        rows = staged_rows(session, upload_id)
        parsed = parse_composite(upload.fingerprint)
        assert upload.multipart_upload_id is not None and parsed is not None
        target = Joining(
            upload.key,
            upload.multipart_upload_id,
            int(upload.size or 0),
            f"{as_checksum(parsed.digest)}-{parsed.part_count}",
        )
        sources = [
            JoinSource(part_key(upload, n), str(rows[n].checked_etag), as_checksum(rows[n].sha256))
            for n in sorted(rows)
        ]
        # Nothing held while the store copies (on SQLite every transaction holds the write
        # lock), and no row touched again until the lock below.
        session.rollback()
        started = time.perf_counter()
        intact = _join(store, target, sources)
        log.info("upload %s: parts joined in %.2f s", upload_id, time.perf_counter() - started)
        upload = session.scalars(
            select(Upload).where(Upload.id == upload_id).with_for_update()
        ).one()
        if upload.status != UploadStatus.VERIFIED:
            session.commit()
            return False
        if intact:
            upload.joined_at = now()
        else:
            log.error("upload %s: a staged part changed after it was checked", upload_id)
            delete_after_commit(
                session, store, upload.key, multipart_upload_id=upload.multipart_upload_id
            )
            mark_broken(session, upload, CHANGED)
        for source in sources:
            delete_after_commit(session, store, source.key)
        session.execute(
            delete(UploadPartDigest)
            .where(UploadPartDigest.upload_id == upload_id)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return intact


@dataclass(frozen=True)
class Joining:
    """What a join needs of its upload, read before the store is asked."""

    key: str
    multipart_upload_id: str
    size: int
    composite: str  # the store's form of the fingerprint: "<base64>-N"


def _join(store: ObjectStore, target: Joining, sources: list[JoinSource]) -> bool:
    """Have the store join the parts; False when what it joined is not what was checked."""
    try:
        reported = store.join_objects(target.key, target.multipart_upload_id, sources)
    except UploadRejected:
        return False  # the store says the parts do not make the file (BadDigest, InvalidPart)
    except ObjectNotFound:
        # An earlier run joined them (the multipart upload is gone) and died before its
        # commit, or a part was replaced since it was checked.
        joined = store.stat(target.key)
        if joined is None or joined.size != target.size:
            return False
        if _MD5_MULTIPART.match(joined.etag):
            return joined.etag == multipart_etag(s.etag for s in sources)
        # A store whose ETags are not MD5s (S3 with KMS keys) also enforces the checksums its
        # links were signed for, so its parts could not have been replaced.
        return True
    if reported is not None and reported != target.composite:
        return False
    joined = store.stat(target.key)
    return joined is not None and joined.size == target.size


def stale_joins(session: Session, now: datetime, *, limit: int = 500) -> int:
    """Queue the join again for verified files still in parts JOIN_GRACE after they counted
    (the job was lost); returns how many."""
    ids = session.scalars(
        select(Upload.id)
        .where(
            Upload.status == UploadStatus.VERIFIED,
            Upload.parts_staged.is_(True),
            Upload.joined_at.is_(None),
            Upload.verified_at < now - JOIN_GRACE,
        )
        .order_by(Upload.id)
        .limit(limit)
    ).all()
    for upload_id in ids:
        outbox.enqueue(session, JOIN_JOB, upload_id)
    return len(ids)
