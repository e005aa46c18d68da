"""Choosing electives: exactly the number the program asks for, from the framework's electives.

A set counts as required when the framework marks it required or the rules list it among the
required sets; either way it cannot be chosen as an elective (it is taken anyway).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from portfolio.domain.errors import InvalidInput
from portfolio.domain.lifecycle import NOTHING_SUBMITTED, SetLifecycle, parse_status
from portfolio.domain.programs.rules import ProgramRules

ELECTIVE = "elective"
FIELD = "electives"


def validate_electives(
    chosen_codes: Iterable[str],
    framework_sets: Sequence[tuple[str, str]],
    rules: ProgramRules,
) -> tuple[str, ...]:
    """The chosen set codes, in the order given, once they pass every check.

    `framework_sets` holds (code, kind) for each set of the framework version, kind being
    "required" or "elective" (models.frameworks.SetKind works as is). Raises InvalidInput (422,
    field "electives") when a code is chosen twice, is unknown to this framework, is a required
    set, or when the number chosen differs from rules.electives_required.
    """
    chosen = tuple(chosen_codes)
    kinds = dict(framework_sets)
    twice = sorted(code for code, count in Counter(chosen).items() if count > 1)
    if twice:
        raise InvalidInput(f"Each elective can be chosen once: {', '.join(twice)}", field=FIELD)
    unknown = [code for code in chosen if code not in kinds]
    if unknown:
        raise InvalidInput(
            f"Not a competency set of this program: {', '.join(unknown)}", field=FIELD
        )
    required = [code for code in chosen if kinds[code] != ELECTIVE or code in rules.required_sets]
    if required:
        raise InvalidInput(
            f"Required sets are taken anyway and cannot be chosen as electives: "
            f"{', '.join(required)}",
            field=FIELD,
        )
    wanted = rules.electives_required
    if len(chosen) != wanted:
        raise InvalidInput(
            f"Choose exactly {wanted} elective{'' if wanted == 1 else 's'}; "
            f"you chose {len(chosen)}.",
            field=FIELD,
        )
    return chosen


def can_change_elective(set_status: SetLifecycle | str) -> bool:
    """An elective may be swapped for another only while nothing was submitted for it."""
    status = parse_status(set_status) if isinstance(set_status, str) else set_status
    return status in NOTHING_SUBMITTED
