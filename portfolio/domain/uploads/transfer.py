"""What an upload may be, and how it travels: limits, the announced facts, the part plan.

Pure rules, so the service, the views and the tests share one answer to "is this upload
acceptable, and does it go as one form POST or in parts of what size?".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from portfolio.domain.errors import Conflict, DomainError, InvalidInput
from portfolio.domain.uploads.filenames import sanitize_filename, split_extension
from portfolio.domain.uploads.filetypes import ACCEPTED_SUMMARY, DANGEROUS_EXTENSIONS

MiB = 1024 * 1024
GiB = 1024 * MiB
S3_MIN_PART_BYTES = 5 * MiB  # every part but the last
S3_MAX_PARTS = 10_000
# Every key filenames.make_object_key makes starts here; reconcile looks at nothing else.
CANDIDATES_PREFIX = "candidates/"
MAX_DECLARED_NAME_CHARS = 4096  # longer than any real path; we refuse before sanitizing
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class FileTooLarge(DomainError):
    """The announced file is over the size limit; nothing is sent (413)."""

    status = 413


@dataclass(frozen=True)
class UploadLimits:
    """The size rules in force; the app reads overrides from its config (UPLOAD_*)."""

    max_bytes: int = 2 * GiB  # the largest file accepted at all
    single_post_max: int = 100 * MiB  # up to this, one presigned form POST; above, multipart
    part_bytes: int = 16 * MiB  # the usual part size; raised for huge files (10,000 parts max)
    pending_days: int = 1  # an unfinished upload is dropped after this long
    max_pending_per_owner: int = 20  # uploads one person may have in flight at once
    # Announced bytes one person's unfinished uploads may hold at once: what the store may
    # have to keep for them before any of it is checked.
    max_pending_bytes: int = 4 * GiB
    # Ranged GETs at once when a file sent in parts is read back to be checked.
    verify_streams: int = 4
    # The largest portfolio export zip taken through this flow (domain.uploads.purposes).
    import_max_bytes: int = 8 * GiB

    def __post_init__(self) -> None:
        if self.part_bytes < S3_MIN_PART_BYTES:
            raise ValueError(f"part_bytes must be at least {S3_MIN_PART_BYTES}")
        if not 0 < self.single_post_max <= self.max_bytes:
            raise ValueError("single_post_max must be positive and at most max_bytes")
        if self.import_max_bytes < MiB:
            raise ValueError("import_max_bytes must be at least 1 MiB")
        if not 1 <= self.verify_streams <= 64:
            raise ValueError("verify_streams must be between 1 and 64")
        if self.max_pending_bytes < self.max_bytes:
            # Otherwise the largest accepted file could never even be started.
            raise ValueError("max_pending_bytes must be at least max_bytes")


@dataclass(frozen=True)
class Announced:
    """What the browser says about the file before sending it, checked."""

    name: str  # sanitized: safe to show and to offer as a download name
    size: int
    sha256: str  # 64 lowercase hex digits; "" for a file sent in parts, checked part by part


@dataclass(frozen=True)
class PartPlan:
    part_bytes: int
    part_count: int

    def size_of(self, part_number: int, total: int) -> int:
        """How many bytes part `part_number` (1-based) carries in a file of `total` bytes:
        part_bytes, the remainder for the last part, 0 for a number outside the plan."""
        if not 1 <= part_number <= self.part_count:
            return 0
        if part_number < self.part_count:
            return self.part_bytes
        return total - self.part_bytes * (self.part_count - 1)


def human_size(size: int) -> str:
    """ "100 MB", "2 GB", "1.5 MB": binary units, written the way people say them."""
    for unit, factor in (("GB", GiB), ("MB", MiB), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def check_announced(name: object, size: object, sha256: object, limits: UploadLimits) -> Announced:
    """The checked announcement; InvalidInput (422) for a bad field, FileTooLarge (413).

    Names that would run as a program (".exe", ".html", ".svg") are refused here, before a
    byte is sent; the content itself is judged from its bytes once it has arrived.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Choose a file to upload.", field="filename")
    if len(name) > MAX_DECLARED_NAME_CHARS:
        raise InvalidInput("The file name is too long.", field="filename")
    safe_name = sanitize_filename(name)
    extension = split_extension(safe_name)[1].lower()
    if extension in DANGEROUS_EXTENSIONS:
        raise InvalidInput(
            f"Files named {extension} are not accepted. Accepted: {ACCEPTED_SUMMARY}.",
            field="filename",
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidInput("The file size must be a whole number of bytes.", field="size")
    if size == 0:
        raise InvalidInput("The file is empty; choose a file with something in it.", field="size")
    if size > limits.max_bytes:
        raise FileTooLarge(
            f"The file is {human_size(size)}; files can be at most {human_size(limits.max_bytes)}.",
            field="size",
        )
    if sha256 is None and uses_multipart(size, limits):
        # Sent in parts: the client reports each part's SHA-256 as it goes, and the composite
        # fingerprint when it asks for the check (domain.uploads.fingerprint).
        return Announced(safe_name, size, "")
    if not isinstance(sha256, str) or not _SHA256_HEX.match(sha256.lower()):
        raise InvalidInput(
            "The file's SHA-256 checksum must be 64 hexadecimal digits.", field="sha256"
        )
    return Announced(safe_name, size, sha256.lower())


def uses_multipart(size: int, limits: UploadLimits) -> bool:
    return size > limits.single_post_max


def part_plan(size: int, limits: UploadLimits) -> PartPlan:
    """Parts of limits.part_bytes (whole MiB, larger if 10,000 would not be enough)."""
    if size <= 0:
        raise ValueError("a part plan needs a positive size")
    needed = math.ceil(size / S3_MAX_PARTS)
    part_bytes = max(limits.part_bytes, math.ceil(needed / MiB) * MiB)
    return PartPlan(part_bytes, math.ceil(size / part_bytes))


def check_part_number(number: object, plan: PartPlan, field: str = "part_number") -> int:
    """`number` itself if it is a part number of the plan (1..part_count); InvalidInput."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidInput("Part numbers are whole numbers.", field=field)
    if not 1 <= number <= plan.part_count:
        raise InvalidInput(
            f"Part numbers run from 1 to {plan.part_count} for this file.", field=field
        )
    return number


def check_part_numbers(numbers: object, plan: PartPlan, most: int | None = None) -> list[int]:
    """The requested part numbers, each in 1..part_count, once each and ascending; at most
    `most` of them (the plan's part count when None)."""
    if not isinstance(numbers, list) or not numbers:
        raise InvalidInput("Ask for at least one part number.", field="parts")
    if len(numbers) > (plan.part_count if most is None else most):
        raise InvalidInput("Too many part numbers asked for.", field="parts")
    return sorted({check_part_number(number, plan, "parts") for number in numbers})


# Parts one request may name when the browser asks for several parts' links with their
# digests, or reports several parts sent: each request costs the browser and the site about as
# much as hashing a few megabytes, so a gigabyte's 64 parts take a few requests, not 128; and
# the parts a report names are read back within that one request.
PARTS_AT_ONCE = 16


def check_part_digest_list(items: object, plan: PartPlan) -> list[tuple[int, object]]:
    """[{part_number, sha256}, ...] as the browser sends it: (number, digest as sent) for each,
    each number of the plan and named once, at most PARTS_AT_ONCE of them. The digests are the
    caller's to check (fingerprint.check_part_digest). InvalidInput otherwise."""
    if not isinstance(items, list) or not items:
        raise InvalidInput("Name at least one part, with its SHA-256.", field="parts")
    if len(items) > PARTS_AT_ONCE:
        raise InvalidInput(f"Name at most {PARTS_AT_ONCE} parts at once.", field="parts")
    named: dict[int, object] = {}
    for item in items:
        if not isinstance(item, dict):
            raise InvalidInput("Each part is {part_number, sha256}.", field="parts")
        number = check_part_number(item.get("part_number"), plan, "parts")
        if number in named:
            raise InvalidInput(f"Part {number} is named twice.", field="parts")
        named[number] = item.get("sha256")
    return list(named.items())


def misfit_part(parts: Iterable[tuple[int, int]], plan: PartPlan, total: int) -> str | None:
    """Why the received (part number, size) pairs do not follow the plan for a file of
    `total` bytes (the first part that does not), or None when every one has its planned size.

    The store's links are signed for exact sizes, but a store that does not enforce them (or a
    part sent before they were) must not slip a larger or smaller part into a verified file."""
    for number, size in parts:
        planned = plan.size_of(number, total)
        if planned == 0:
            return f"Part {number} is not one of the {plan.part_count} parts of this file."
        if size != planned:
            return f"Part {number} of the file has {size:,} bytes, not the {planned:,} planned."
    return None


def check_pending_room(pending_bytes: int, size: int, limits: UploadLimits) -> None:
    """Conflict (409) if a new upload of `size` bytes would take one person's unfinished
    uploads (already announcing `pending_bytes`) past limits.max_pending_bytes."""
    if pending_bytes + size > limits.max_pending_bytes:
        raise Conflict(
            f"Your unfinished uploads already hold {human_size(pending_bytes)} of the "
            f"{human_size(limits.max_pending_bytes)} allowed at once, so this "
            f"{human_size(size)} file does not fit. Finish or cancel an upload, then try again.",
            field="size",
        )
