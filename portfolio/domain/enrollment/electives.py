"""Choosing electives: exactly the number the program asks for, from the framework's electives.

A set counts as required when the framework marks it required or the rules list it among the
required sets; either way it cannot be chosen as an elective (it is taken anyway).
"""

from __future__ import annotations

import enum
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


class ElectiveDrop(enum.Enum):
    """What swapping an elective for another does to it."""

    REMOVE = "remove"  # nothing was ever submitted: it goes
    KEEP_ON_RECORD = "keep_on_record"  # closed as not met: it stays on record, no longer taken
    REFUSED = "refused"  # met, being reviewed, or being redone after a reopening


def elective_drop(set_status: SetLifecycle, *, ever_submitted: bool) -> ElectiveDrop:
    """Whether (and how) an elective may be swapped for another now. A portfolio closed as not
    met is no dead end: the candidate may choose another elective instead (its submissions and
    outcome stay on record), or meet it by a course."""
    if set_status is SetLifecycle.CLOSED_NOT_MET:
        return ElectiveDrop.KEEP_ON_RECORD
    if set_status in NOTHING_SUBMITTED and not ever_submitted:
        return ElectiveDrop.REMOVE
    return ElectiveDrop.REFUSED


def can_change_elective(set_status: SetLifecycle | str) -> bool:
    """Whether an elective may be swapped for another (elective_drop, as far as its status
    tells): while nothing was submitted for it, or once it closed as not met."""
    status = parse_status(set_status) if isinstance(set_status, str) else set_status
    return status in NOTHING_SUBMITTED or status is SetLifecycle.CLOSED_NOT_MET
