"""The written parts of an appeal: the grounds (stated in detail) and the shorter answers."""

from __future__ import annotations

from portfolio.domain.errors import InvalidInput

# "All grounds must be stated in detail": a sentence or two at least, and a bound so that
# nobody pastes a book into one field.
GROUNDS_MIN = 50
GROUNDS_MAX = 20_000


def appeal_grounds(text: object) -> str:
    """The grounds without surrounding space; InvalidInput on field "grounds" when they are
    missing, too short to be stated in detail, or longer than GROUNDS_MAX characters."""
    grounds = text.strip() if isinstance(text, str) else ""
    if not grounds:
        raise InvalidInput("State the grounds of your appeal.", field="grounds")
    if len(grounds) < GROUNDS_MIN:
        raise InvalidInput(
            f"State the grounds in detail: at least {GROUNDS_MIN} characters.", field="grounds"
        )
    if len(grounds) > GROUNDS_MAX:
        raise InvalidInput(
            f"Use at most {GROUNDS_MAX:,} characters for the grounds (you used {len(grounds):,}); "
            "put longer material in an attached file.",
            field="grounds",
        )
    return grounds


ANSWER_MIN = 5


def appeal_answer(text: object, *, field: str, what: str) -> str:
    """An answer in an appeal (the office's response, the committee's comments, a
    reconsideration), bounded like the grounds: InvalidInput on `field` when blank, shorter
    than ANSWER_MIN or longer than GROUNDS_MAX characters. `what` names it in the message."""
    answer = text.strip() if isinstance(text, str) else ""
    if not answer:
        raise InvalidInput(f"Write the {what}.", field=field)
    if len(answer) < ANSWER_MIN:
        raise InvalidInput(f"Write the {what} in at least {ANSWER_MIN} characters.", field=field)
    if len(answer) > GROUNDS_MAX:
        raise InvalidInput(
            f"Use at most {GROUNDS_MAX:,} characters for the {what} (you used {len(answer):,}).",
            field=field,
        )
    return answer
