"""What an upload is for: only the portfolio import's zip gets its own rules."""

from __future__ import annotations

import pytest

from portfolio.domain.errors import InvalidInput
from portfolio.domain.uploads.filetypes import FileTypeRefused, detect_type
from portfolio.domain.uploads.purposes import (
    UploadPurpose,
    detect_import_zip,
    limits_for,
    purpose_of,
)
from portfolio.domain.uploads.transfer import GiB, MiB, UploadLimits

ZIP_HEAD = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40


def test_a_purpose_is_evidence_the_import_or_refused():
    assert purpose_of("portfolio_import") is UploadPurpose.PORTFOLIO_IMPORT
    for evidence in (None, "", "evidence"):
        assert purpose_of(evidence) is UploadPurpose.EVIDENCE
    for other in ("x", "PORTFOLIO_IMPORT", "portfolio_import ", 1, ["x"], True):
        with pytest.raises(InvalidInput) as refused:
            purpose_of(other)
        assert refused.value.field == "purpose"


def test_an_import_has_its_own_maximum_and_evidence_keeps_its_own():
    limits = UploadLimits(max_bytes=2 * GiB, import_max_bytes=8 * GiB)
    assert limits_for(UploadPurpose.EVIDENCE, limits) is limits
    chosen = limits_for(UploadPurpose.PORTFOLIO_IMPORT, limits)
    assert chosen.max_bytes == 8 * GiB and chosen.max_pending_bytes >= 8 * GiB
    small = limits_for(UploadPurpose.PORTFOLIO_IMPORT, UploadLimits(import_max_bytes=50 * MiB))
    assert small.max_bytes == 50 * MiB and small.single_post_max <= 50 * MiB
    with pytest.raises(ValueError):
        UploadLimits(import_max_bytes=1000)


def test_an_import_must_be_a_zip_and_evidence_may_not_be_a_plain_one():
    assert detect_import_zip(ZIP_HEAD, "anything.bin").mime == "application/zip"
    with pytest.raises(FileTypeRefused) as refused:
        detect_import_zip(b"%PDF-1.7 not a zip", "portfolio.zip")
    assert "not a zip archive" in refused.value.message
    with pytest.raises(FileTypeRefused):
        detect_import_zip(b"", "portfolio.zip")
    with pytest.raises(FileTypeRefused):
        detect_type(ZIP_HEAD, "portfolio.zip")  # evidence still refuses it
