"""What a reviewer must write beside a rating: a rating other than Met needs a comment.

The candidate reads these comments to learn what to improve, so a competency rated Partially
met or Not met without one would leave them guessing.
"""

from __future__ import annotations

from portfolio.domain.errors import InvalidInput
from portfolio.domain.reviewing.rubric import Rating


def needs_comment(rating: Rating) -> bool:
    """True for every rating but Met."""
    return rating is not Rating.MET


def check_comment(rating: Rating, comment: str, *, competency: str, field: str) -> None:
    """Accept `comment` for `rating` of the competency coded `competency`.

    InvalidInput (on `field`) when the rating needs a comment and `comment` is blank.
    """
    if needs_comment(rating) and not comment.strip():
        raise InvalidInput(
            f"Add a comment for {competency}: a rating other than Met needs one, "
            "so the candidate knows what to improve.",
            field=field,
        )
