"""The evaluation service's rule: is a candidate certified, and why (DESIGN.md, "the flow").

A candidate is certified when every required set and at least the program's number of electives
are met inside the completion window: a portfolio set when its reviewed outcome is met, a course
set when the program office has verified the approved course. Evidence handed in before the
window ended still counts when its check finishes later (reviews and verification take time),
so past the window the decision waits while any set is still being checked; once none is, what
is missing ends the enrollment as not certified. Either way the decision carries one reason per
set, so a candidate, an administrator and an auditor read the same account of it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from portfolio.domain.certification.revocation import public_wording
from portfolio.domain.dates import add_years, format_date, format_day_month
from portfolio.domain.lifecycle import UNDER_REVIEW, SetLifecycle


class Route(enum.StrEnum):
    """How a set is shown (stored in models.enrollments.EnrollmentSet.route)."""

    UNDECIDED = "undecided"
    COURSE = "course"
    PORTFOLIO = "portfolio"
    # A graduate of a college program with a recognition agreement covering the set.
    RECOGNISED_PROGRAM = "recognised_program"


class Verdict(enum.StrEnum):
    CERTIFIED = "certified"
    NOT_YET = "not_yet"  # still possible: nothing is recorded
    NOT_CERTIFIED = "not_certified"  # the window ended first


@dataclass(frozen=True)
class SetState:
    """One set of the enrollment as evaluation sees it."""

    code: str
    name: str
    required: bool
    route: Route
    status: SetLifecycle
    course_verified: bool = False
    course_completed: bool = False  # the candidate says so; the office has yet to verify it
    # What met the set, in words ("Library Technology Basics (State Library), completed ..."),
    # when the service looked it up; the decision's reasons name it.
    evidence: str = ""
    recognised_verified: bool = False  # a graduate's transcript, verified by the office
    recognised_reported: bool = False  # the transcript is in, waiting for the office

    @property
    def met(self) -> bool:
        if self.route is Route.COURSE:
            return self.course_verified
        if self.route is Route.RECOGNISED_PROGRAM:
            return self.recognised_verified
        return self.route is Route.PORTFOLIO and self.status is SetLifecycle.MET

    @property
    def being_checked(self) -> bool:
        """Handed in, and waiting for its reviews or the office's verification."""
        if self.route is Route.COURSE:
            return self.course_completed and not self.course_verified
        if self.route is Route.RECOGNISED_PROGRAM:
            return self.recognised_reported and not self.recognised_verified
        return self.route is Route.PORTFOLIO and self.status in UNDER_REVIEW

    @property
    def how(self) -> str:
        """How the set stands, in words (the reason line)."""
        if self.route is Route.COURSE:
            if self.met:
                return "met by a verified approved course"
            return (
                "course completed, waiting for verification"
                if self.course_completed
                else ("course not yet completed")
            )
        if self.route is Route.PORTFOLIO:
            return "met by portfolio review" if self.met else f"portfolio {self.status.label}"
        if self.route is Route.RECOGNISED_PROGRAM:
            return (
                "met by a recognised program of study"
                if self.met
                else "recognised program, transcript not yet verified"
            )
        return "no route chosen yet"

    @property
    def reason(self) -> str:
        """How the set stands, naming the evidence that met it when it is known."""
        if self.met and self.evidence:
            return f"met by {self.evidence}"
        return self.how


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    summary: str
    reasons: tuple[str, ...]  # one line per set, then the electives count and the window

    def as_document(self) -> dict[str, object]:
        return {
            "verdict": self.verdict.value,
            "summary": self.summary,
            "reasons": list(self.reasons),
        }


def verdict(
    sets: Sequence[SetState], electives_required: int, window_ends_on: date, today: date
) -> Verdict:
    """evaluate(...).verdict without the reasons: a batch of thousands asks this first and
    words the decision only for the few it decides."""
    electives_met = sum(s.met for s in sets if not s.required)
    if all(s.met for s in sets if s.required) and electives_met >= electives_required:
        return Verdict.CERTIFIED
    if today > window_ends_on and not any(s.being_checked for s in sets):
        return Verdict.NOT_CERTIFIED
    return Verdict.NOT_YET


def evaluate(
    sets: Sequence[SetState], electives_required: int, window_ends_on: date, today: date
) -> Decision:
    """The decision for an enrollment's sets as they stand today."""
    outcome = verdict(sets, electives_required, window_ends_on, today)
    required = [s for s in sets if s.required]
    electives = [s for s in sets if not s.required]
    reasons = [f"{s.code} {s.name} (required): {s.reason}" for s in required]
    reasons += [f"{s.code} {s.name} (elective): {s.reason}" for s in electives]
    electives_met = sum(s.met for s in electives)
    reasons.append(f"Electives met: {electives_met} of the {electives_required} required")
    # Named as people read them (the dashboard, the decision), the code after the name.
    missing_required = [f"{s.name} ({s.code})" for s in required if not s.met]
    missing_electives = max(0, electives_required - electives_met)
    if outcome is Verdict.CERTIFIED:
        reasons.append(
            f"Completed inside the completion window, which ends {format_date(window_ends_on)}"
        )
        return Decision(Verdict.CERTIFIED, "Every requirement is met.", tuple(reasons))
    still = _still_needed(missing_required, missing_electives)
    if outcome is Verdict.NOT_CERTIFIED:
        reasons.append(f"The completion window ended on {format_date(window_ends_on)}")
        return Decision(
            Verdict.NOT_CERTIFIED,
            f"The completion window ended with {still} still to be met.",
            tuple(reasons),
        )
    if today > window_ends_on:  # ended, but evidence handed in before then is being checked
        checking = ", ".join(s.code for s in sets if s.being_checked)
        reasons.append(
            f"The completion window ended on {format_date(window_ends_on)}; evidence handed in "
            f"before then is still being checked: {checking}"
        )
        return Decision(
            Verdict.NOT_YET,
            f"Still to be met: {still}. The decision waits for {checking}.",
            tuple(reasons),
        )
    reasons.append(f"The completion window is open until {format_date(window_ends_on)}")
    return Decision(Verdict.NOT_YET, f"Still to be met: {still}.", tuple(reasons))


def course_evidence(title: str, provider: str, completed_on: date, verified_on: date) -> str:
    """E.g. "Library Technology Basics (State Library), completed 3 May 2026, verified 5 May"."""
    verified = (
        format_day_month(verified_on)
        if verified_on.year == completed_on.year
        else format_date(verified_on)
    )
    return f"{title} ({provider}), completed {format_date(completed_on)}, verified {verified}"


def portfolio_evidence(attempt: int, submitted_on: date) -> str:
    """E.g. "portfolio review, submission 2 of 12 March 2026"."""
    return f"portfolio review, submission {attempt} of {format_date(submitted_on)}"


def transcript_evidence(program: str, college: str, verified_on: date) -> str:
    """E.g. "Library Technical Assistant (Lakeside College), transcript verified 5 May 2026"."""
    return f"{program} ({college}), transcript verified {format_date(verified_on)}"


def _still_needed(missing_required: list[str], missing_electives: int) -> str:
    parts = []
    if missing_required:
        noun = "required sets" if len(missing_required) > 1 else "required set"
        parts.append(f"{noun} {', '.join(missing_required)}")
    if missing_electives:
        parts.append(f"{missing_electives} more elective{'s' if missing_electives > 1 else ''}")
    return " and ".join(parts)


def expiry(issued_on: date, validity_years: int) -> date:
    """The last day a certificate issued on `issued_on` is valid (29 February -> 28 February)."""
    return add_years(issued_on, validity_years)


@dataclass(frozen=True)
class CertificateStatus:
    """How a certificate stands on a given day, as its public page says it."""

    valid: bool
    label: str  # "Valid", "Expired on 4 March 2030" or "Revoked on 2 May 2027"
    reason: str = ""  # why it was revoked (the office's own words); empty otherwise
    public_note: str = ""  # what the public page says of a revocation; empty otherwise
    revoked: bool = False


def certificate_status(
    expires_on: date,
    revoked_on: date | None,
    revoked_reason: str,
    today: date,
    public_statement: str = "",
    lapsed_on: date | None = None,
) -> CertificateStatus:
    """Revoked (from `revoked_on`) outranks expired; `expires_on` is the last valid day, so an
    expired certificate expired the day after it. A revoked certificate's public note is its
    public statement, or the standard wording (domain.certification.revocation). One whose
    renewal grace period ended unrenewed (`lapsed_on`) says it was not renewed."""
    if revoked_on is not None:
        return CertificateStatus(
            False,
            f"Revoked on {format_date(revoked_on)}",
            revoked_reason,
            public_wording(public_statement),
            revoked=True,
        )
    if lapsed_on is not None and lapsed_on <= today:
        # The renewal grace period is over too: no renewal can bring it back.
        return CertificateStatus(
            False, f"Expired on {format_date(expires_on + timedelta(1))}, not renewed"
        )
    if expires_on < today:
        return CertificateStatus(False, f"Expired on {format_date(expires_on + timedelta(1))}")
    return CertificateStatus(True, "Valid")
