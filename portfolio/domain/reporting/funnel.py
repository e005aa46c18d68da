"""The certification funnel of an intake: how many of the people who applied in a quarter
reached each stage, from the application to the certificate; and a histogram of the days
from enrollment to certification. Pure counting over what the service fetched."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SETS_SHOWN = 6  # LSSCP: 3 required + 3 electives; a program needing more shows "6 or more"
DAY_BINS = (90, 180, 365, 730)  # upper edges of the histogram's bins, in days


@dataclass(frozen=True, slots=True)
class Applicant:
    """One application of the intake, as far as it went."""

    approved: bool
    enrolled: bool
    submitted_a_set: bool
    sets_met: int
    certified: bool


@dataclass(frozen=True, slots=True)
class Stage:
    label: str
    count: int


def funnel(applicants: Iterable[tuple[Applicant, int]]) -> list[Stage]:
    """Applied, approved, enrolled, first set submitted, 1 to 6 sets met, certified; from
    (applicant, how many applicants like it) pairs."""
    people = list(applicants)

    stages = [
        Stage("Applied", sum(n for _, n in people)),
        Stage("Approved", sum(n for a, n in people if a.approved)),
        Stage("Enrolled", sum(n for a, n in people if a.enrolled)),
        Stage("First set submitted", sum(n for a, n in people if a.submitted_a_set)),
    ]
    for met in range(1, SETS_SHOWN + 1):
        label = f"{met} set met" if met == 1 else f"{met} sets met"
        stages.append(Stage(label, sum(n for a, n in people if a.sets_met >= met)))
    stages.append(Stage("Certified", sum(n for a, n in people if a.certified)))
    return stages


@dataclass(frozen=True, slots=True)
class Bin:
    label: str
    count: int


def day_histogram(days: Sequence[int], edges: Sequence[int] = DAY_BINS) -> list[Bin]:
    """How many certifications took up to each edge (and more than the last), in days."""
    bins = []
    lower = 0
    for edge in edges:
        bins.append(Bin(f"{lower} to {edge} days", sum(lower <= d <= edge for d in days)))
        lower = edge + 1
    bins.append(Bin(f"More than {edges[-1]} days", sum(d > edges[-1] for d in days)))
    return bins
