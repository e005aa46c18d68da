"""Recompute a file's fingerprint, as a snapshot shows it, from the file alone.

    python -m portfolio.tools.fingerprint FILE --part-size 16777216   # a file sent in parts
    python -m portfolio.tools.fingerprint FILE                        # one piece: its SHA-256

A fingerprint ending in "-NxP" was made from parts of P bytes: pass that P as --part-size, and
the printed line must equal it (domain.uploads.fingerprint defines it). Reads the file once, a
part at a time, in chunks of 1 MiB.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from portfolio.domain.uploads.fingerprint import composite, parse_composite, part_ranges

CHUNK = 1024 * 1024


def file_fingerprint(path: Path, part_bytes: int | None) -> str:
    """The composite fingerprint of `path` in parts of `part_bytes`, or its SHA-256 without."""
    size = path.stat().st_size
    with path.open("rb") as source:
        if part_bytes is None:
            return hashlib.file_digest(source, "sha256").hexdigest()
        digests = []
        for _number, _start, length in part_ranges(size, part_bytes):
            digest = hashlib.sha256()
            left = length
            while left:
                chunk = source.read(min(CHUNK, left))
                if not chunk:
                    raise SystemExit(f"{path} got shorter while it was read")
                digest.update(chunk)
                left -= len(chunk)
            digests.append(digest.hexdigest())
    return composite(digests, part_bytes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--part-size", type=int, help="bytes per part (the P of '-NxP')")
    parser.add_argument(
        "--expect", help="a fingerprint to compare with (its P is used when --part-size is not)"
    )
    args = parser.parse_args(argv)
    part_bytes = args.part_size
    expected = parse_composite(args.expect) if args.expect else None
    if part_bytes is None and expected is not None:
        part_bytes = expected.part_bytes
    if part_bytes is not None and part_bytes < 1:
        parser.error("--part-size must be at least 1")
    found = file_fingerprint(args.file, part_bytes)
    print(found)
    if args.expect is not None and found != args.expect.strip().lower():
        print("does not match", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
