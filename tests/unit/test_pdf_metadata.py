"""Reviewers' copies of PDFs (domain.uploads.documents): hostile bytes are never anything but
'not cleaned', and nothing too large is read."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.domain.uploads.documents import (
    MAX_DOCUMENT_BYTES,
    DocumentNotCleaned,
    strip_pdf_metadata,
)
from tests.integration.test_reviewer_image_copies import pdf_with_author

pytestmark = pytest.mark.database_independent


def test_a_pdf_larger_than_the_bound_is_not_read() -> None:
    with pytest.raises(DocumentNotCleaned, match="too large"):
        strip_pdf_metadata(b"%PDF-1.7\n" + bytes(MAX_DOCUMENT_BYTES))


def test_the_copy_keeps_no_property_and_cleaning_it_again_changes_nothing() -> None:
    once = strip_pdf_metadata(pdf_with_author())
    assert b"Casey" not in once and b"/Author" not in once
    assert strip_pdf_metadata(once) == once  # deterministic: the same bytes every time


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(min_value=0, max_value=2000), noise=st.binary(max_size=64))
def test_damaged_pdfs_are_not_cleaned_and_never_crash(cut: int, noise: bytes) -> None:
    whole = pdf_with_author()
    damaged = whole[:cut] + noise + whole[cut + len(noise) :]
    try:
        cleaned = strip_pdf_metadata(damaged)
    except DocumentNotCleaned:
        return
    assert b"Casey" not in cleaned
