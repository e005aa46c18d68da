"""The pure upload rules: what may be announced, one POST or parts, and the part plan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.errors import Conflict, InvalidInput
from portfolio.domain.uploads.filenames import make_object_key
from portfolio.domain.uploads.transfer import (
    CANDIDATES_PREFIX,
    FileTooLarge,
    GiB,
    MiB,
    PartPlan,
    UploadLimits,
    check_announced,
    check_part_numbers,
    check_pending_room,
    human_size,
    misfit_part,
    part_plan,
    uses_multipart,
)

LIMITS = UploadLimits()
SHA = "A" * 64


def test_announcement_is_cleaned_and_the_checksum_lowercased() -> None:
    announced = check_announced("../My report.PDF", 10, SHA, LIMITS)
    assert (announced.name, announced.size, announced.sha256) == ("My report.PDF", 10, "a" * 64)


def test_exactly_two_gigabytes_is_allowed_one_byte_more_is_not() -> None:
    assert check_announced("a.pdf", 2 * GiB, SHA, LIMITS).size == 2 * GiB
    with pytest.raises(FileTooLarge) as refused:
        check_announced("a.pdf", 2 * GiB + 1, SHA, LIMITS)
    assert refused.value.status == 413


@pytest.mark.parametrize("name", ["run.exe", "page.HTML", "logo.svg", "macro.docm", "x.js"])
def test_names_that_would_run_are_refused_before_sending(name: str) -> None:
    with pytest.raises(InvalidInput, match="are not accepted"):
        check_announced(name, 10, SHA, LIMITS)


def test_an_absurdly_long_name_is_refused_not_sanitized() -> None:
    with pytest.raises(InvalidInput, match="too long"):
        check_announced("a" * 5000 + ".pdf", 10, SHA, LIMITS)


def test_one_post_up_to_100_megabytes_then_parts() -> None:
    assert not uses_multipart(100 * MiB, LIMITS)
    assert uses_multipart(100 * MiB + 1, LIMITS)


def test_parts_are_16_mib_with_a_shorter_last_one() -> None:
    plan = part_plan(100 * MiB + 1, LIMITS)
    assert plan == PartPlan(16 * MiB, 7)
    assert plan.size_of(1, 100 * MiB + 1) == 16 * MiB
    assert plan.size_of(7, 100 * MiB + 1) == 100 * MiB + 1 - 6 * 16 * MiB


def test_parts_grow_when_ten_thousand_would_not_be_enough() -> None:
    huge = UploadLimits(max_bytes=1024 * GiB, max_pending_bytes=1024 * GiB)
    plan = part_plan(500 * GiB, huge)
    assert plan.part_count <= 10_000 and plan.part_bytes % MiB == 0


@given(st.integers(min_value=1, max_value=2 * GiB))
def test_a_plan_covers_the_file_exactly_in_at_most_10000_parts(size: int) -> None:
    plan = part_plan(size, LIMITS)
    assert 1 <= plan.part_count <= 10_000
    sizes = [plan.size_of(n, size) for n in range(1, plan.part_count + 1)]
    assert sum(sizes) == size
    assert all(s >= 5 * MiB for s in sizes[:-1]) and 0 < sizes[-1] <= plan.part_bytes


def test_part_numbers_come_back_sorted_and_once_each() -> None:
    assert check_part_numbers([3, 1, 3], PartPlan(16 * MiB, 3)) == [1, 3]


@given(st.integers(min_value=1, max_value=2 * GiB))
def test_the_planned_sizes_fit_the_plan_and_nothing_else_does(size: int) -> None:
    plan = part_plan(size, LIMITS)
    planned = [(n, plan.size_of(n, size)) for n in range(1, plan.part_count + 1)]
    assert misfit_part(planned, plan, size) is None
    number, last = planned[-1]
    for wrong in (last - 1, last + 1):
        assert misfit_part([*planned[:-1], (number, wrong)], plan, size) == (
            f"Part {number} of the file has {wrong:,} bytes, not the {last:,} planned."
        )


def test_a_middle_part_of_the_wrong_size_is_named() -> None:
    plan = PartPlan(16 * MiB, 3)
    total = 40 * MiB
    received = [(1, 16 * MiB), (2, 16 * MiB + 1), (3, 8 * MiB)]
    assert misfit_part(received, plan, total) == (
        "Part 2 of the file has 16,777,217 bytes, not the 16,777,216 planned."
    )
    assert misfit_part([(4, 1)], plan, total) == "Part 4 is not one of the 3 parts of this file."


def test_pending_uploads_may_announce_up_to_the_limit_and_not_a_byte_more() -> None:
    limits = UploadLimits(max_pending_bytes=3 * GiB)
    check_pending_room(GiB, 2 * GiB, limits)
    with pytest.raises(Conflict) as refused:
        check_pending_room(GiB, 2 * GiB + 1, limits)
    assert refused.value.status == 409
    assert refused.value.message.startswith(
        "Your unfinished uploads already hold 1 GB of the 3 GB allowed at once"
    )


def test_limits_refuse_a_pending_quota_smaller_than_the_largest_file() -> None:
    with pytest.raises(ValueError, match="max_pending_bytes must be at least max_bytes"):
        UploadLimits(max_bytes=2 * GiB, max_pending_bytes=2 * GiB - 1)


def test_limits_refuse_parts_smaller_than_s3_allows() -> None:
    with pytest.raises(ValueError, match="part_bytes"):
        UploadLimits(part_bytes=1024)


def test_every_object_key_lives_under_the_prefix_reconcile_reads() -> None:
    assert make_object_key(7).startswith(CANDIDATES_PREFIX)


@pytest.mark.parametrize(
    ("size", "text"),
    [(100 * MiB, "100 MB"), (2 * GiB, "2 GB"), (1536 * 1024, "1.5 MB"), (512, "512 bytes")],
)
def test_sizes_are_written_as_people_say_them(size: int, text: str) -> None:
    assert human_size(size) == text
