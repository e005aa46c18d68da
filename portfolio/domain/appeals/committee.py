"""Who may sit on an appeal's committee: nobody who had a hand in the case."""

from __future__ import annotations

from collections.abc import Collection


def committee_refusal(
    member_id: int,
    *,
    candidate_id: int,
    reviewer_ids: Collection[int],
    decider_ids: Collection[int],
    office_ids: Collection[int],
) -> str | None:
    """Why `member_id` may not hear this appeal, or None when they may.

    `reviewer_ids`: everyone given any attempt of the case to review; `decider_ids`: whoever
    set or changed the decision by hand; `office_ids`: whoever answered for the office.
    """
    if member_id == candidate_id:
        return "You cannot hear your own appeal."
    if member_id in reviewer_ids:
        return (
            "You reviewed this case, so you cannot sit on its appeals committee; another "
            "member must hear it."
        )
    if member_id in decider_ids:
        return (
            "You made or changed the decision under appeal, so you cannot sit on its appeals "
            "committee; another member must hear it."
        )
    if member_id in office_ids:
        return (
            "You answered this appeal for the program office, so you cannot also judge it; "
            "another member must hear it."
        )
    return None
