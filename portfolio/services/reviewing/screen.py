"""Everything the scoring screen shows for one assignment, gathered in a fixed number of queries.

Only the frozen snapshot is read (strictly: a corrupt one is a CorruptSnapshot page), never the
candidate's live portfolio. The candidate's name,
email and library are left out when the program's rules say reviews are blind. A third
reviewer also gets the first two reviews of the disputed competencies, without names; the
first two reviewers never see each other's ratings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portfolio.domain.portfolios.changes import (
    DiffLine,
    EntryChanges,
    diff_lines,
    snapshot_changes,
)
from portfolio.domain.portfolios.snapshot_html import SnapshotHtml, html_to_show
from portfolio.domain.portfolios.snapshot_views import EntryView, Snapshot
from portfolio.domain.portfolios.snapshots import read_snapshot
from portfolio.domain.reviewing.rubric import Rating
from portfolio.domain.uploads.filetypes import inline_allowed
from portfolio.models import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    Competency,
    ReviewRating,
    RubricDescriptor,
    RubricLevel,
    Submission,
    Upload,
    UploadStatus,
)
from portfolio.services.reviewing.pool import candidate_library
from portfolio.services.reviewing.scoring import disputed_codes
from portfolio.services.reviewing.status import rules_for

LEVEL_LABELS = {level.value: level.label for level in Rating}
REVIEWER_LABELS = ("First reviewer", "Second reviewer")


@dataclass(frozen=True)
class CompetencyView:
    id: int
    code: str
    title: str
    description: str
    provisional: bool = False  # rated and shown, not counted (domain.reviewing.rubric)


@dataclass(frozen=True)
class LevelDescriptor:
    key: str
    label: str
    text: str


@dataclass(frozen=True)
class EarlierRating:
    """One of the first two reviews of a disputed competency, shown to the third reviewer."""

    who: str
    level_label: str
    comment: str


@dataclass(frozen=True)
class CompetencyScreen:
    competency: CompetencyView
    anchor: str
    entry: EntryView
    changes: EntryChanges | None
    levels: tuple[LevelDescriptor, ...]
    level: str | None
    comment: str
    earlier: tuple[EarlierRating, ...]


@dataclass(frozen=True)
class Screen:
    assignment: Assignment
    set_name: str
    set_code: str
    attempt: int
    blind: bool
    candidate_name: str | None
    candidate_email: str | None
    candidate_library: str | None
    learning_statement: str
    learning_statement_changes: tuple[DiffLine, ...]
    items: tuple[CompetencyScreen, ...]
    # The HTML of the statement and the narratives, stored when the set was submitted.
    texts: SnapshotHtml
    # Object-store key -> (upload id, may be shown inline) for the files this snapshot names.
    files: Mapping[str, tuple[int, bool]] = field(default_factory=dict)

    @property
    def is_third_review(self) -> bool:
        return self.assignment.kind is AssignmentKind.ADJUDICATION


def scoring_screen(session: Session, assignment: Assignment) -> Screen:
    """The screen for `assignment` (loaded by scoring.open_for_reviewer, rubric or not).

    The rubric and the reviewer's ratings are read as plain rows: this is the page reviewers
    spend their days on, and ORM collections would cost a round trip and object set-up each.
    """
    submission = assignment.submission
    enrollment_set = submission.enrollment_set
    enrollment = enrollment_set.enrollment
    snapshot = _frozen(submission)
    competencies, own_descriptors = _rubric_of_set(session, enrollment_set.set_id)
    if assignment.kind is AssignmentKind.ADJUDICATION:
        disputed = disputed_codes(session, submission)
        competencies = [c for c in competencies if c.code in disputed]
    codes = [c.code for c in competencies]
    previous = _previous_submission(session, submission)
    before = _frozen(previous) if previous else None
    changes = snapshot_changes(before, snapshot, codes) if before else None
    statement_changes = (
        diff_lines(before.learning_statement, snapshot.learning_statement) if before else ()
    )
    earlier = _earlier_reviews(session, assignment)
    mine = {
        competency_id: (level, comment)
        for competency_id, level, comment in session.execute(
            select(ReviewRating.competency_id, ReviewRating.level, ReviewRating.comment).where(
                ReviewRating.assignment_id == assignment.id
            )
        )
    }
    levels = session.execute(
        select(RubricLevel.key, RubricLevel.label, RubricLevel.descriptor)
        .where(RubricLevel.framework_id == enrollment.framework_id)
        .order_by(RubricLevel.position)
    ).all()
    items = []
    for competency in competencies:
        own = own_descriptors.get(competency.id, {})
        descriptors = tuple(
            LevelDescriptor(key, label, own.get(key, text)) for key, label, text in levels
        ) or tuple(LevelDescriptor(lv.value, lv.label, "") for lv in sorted(Rating, reverse=True))
        level, comment = mine.get(competency.id, (None, ""))
        items.append(
            CompetencyScreen(
                competency=competency,
                anchor=f"competency-{competency.id}",
                entry=snapshot.entry(competency.code),
                changes=changes.get(competency.code) if changes else None,
                levels=descriptors,
                level=level,
                comment=comment,
                earlier=earlier.get(competency.id, ()),
            )
        )
    blind = rules_for(submission).review.blind
    # Blind: the candidate's account is not even loaded.
    candidate = None if blind else enrollment.user
    return Screen(
        assignment=assignment,
        set_name=enrollment_set.competency_set.name,
        set_code=enrollment_set.competency_set.code,
        attempt=submission.attempt,
        blind=blind,
        candidate_name=candidate.name if candidate else None,
        candidate_email=candidate.email if candidate else None,
        candidate_library=candidate_library(session, enrollment) if candidate else None,
        learning_statement=snapshot.learning_statement,
        learning_statement_changes=statement_changes,
        items=tuple(items),
        texts=html_to_show(
            snapshot,
            submission.snapshot_sha256,
            submission.snapshot_html,
            submission.snapshot_html_rendered_with,
        ),
        files=_files(session, snapshot.file_keys()),
    )


def _frozen(submission: Submission) -> Snapshot:
    """The snapshot read strictly: CorruptSnapshot (a clear 409 page) if it is not as written."""
    return read_snapshot(submission.snapshot, submission.snapshot_sha256)


def _rubric_of_set(
    session: Session, set_id: int
) -> tuple[list[CompetencyView], dict[int, dict[str, str]]]:
    """The set's competencies in order, and each one's own descriptors by level (one query)."""
    competencies: dict[int, CompetencyView] = {}
    descriptors: dict[int, dict[str, str]] = {}
    rows = session.execute(
        select(
            Competency.id,
            Competency.code,
            Competency.title,
            Competency.description,
            Competency.provisional,
            RubricDescriptor.level_key,
            RubricDescriptor.text,
        )
        .outerjoin(RubricDescriptor, RubricDescriptor.competency_id == Competency.id)
        .where(Competency.set_id == set_id)
        .order_by(Competency.position, Competency.id)
    )
    for cid, code, title, description, provisional, level_key, text in rows:
        if cid not in competencies:
            competencies[cid] = CompetencyView(cid, code, title, description, provisional)
        if level_key is not None:
            descriptors.setdefault(cid, {})[level_key] = text
    return list(competencies.values()), descriptors


def _files(session: Session, keys: set[str]) -> dict[str, tuple[int, bool]]:
    """The verified uploads behind a snapshot's files, in one query (the download route checks
    access again: the reviewer must hold an open or submitted assignment naming the file)."""
    if not keys:
        return {}
    rows = session.execute(
        select(Upload.key, Upload.id, Upload.content_type).where(
            Upload.key.in_(keys), Upload.status == UploadStatus.VERIFIED
        )
    )
    return {key: (upload_id, inline_allowed(ctype or "")) for key, upload_id, ctype in rows}


def _previous_submission(session: Session, submission: Submission) -> Submission | None:
    if submission.attempt <= 1:
        return None
    return session.scalar(
        select(Submission).where(
            Submission.enrollment_set_id == submission.enrollment_set_id,
            Submission.attempt == submission.attempt - 1,
        )
    )


def _earlier_reviews(
    session: Session, assignment: Assignment
) -> dict[int, tuple[EarlierRating, ...]]:
    """For a third reviewer only: the first two reviews, competency by competency."""
    if assignment.kind is not AssignmentKind.ADJUDICATION:
        return {}
    reviews = session.scalars(
        select(Assignment)
        .where(
            Assignment.submission_id == assignment.submission_id,
            Assignment.kind == AssignmentKind.REVIEW,
            Assignment.status == AssignmentStatus.SUBMITTED,
        )
        .options(selectinload(Assignment.ratings))
        .order_by(Assignment.id)
    ).all()
    earlier: dict[int, list[EarlierRating]] = {}
    for who, review in zip(REVIEWER_LABELS, reviews, strict=False):
        for rating in review.ratings:
            label = LEVEL_LABELS.get(rating.level or "", "Not rated")
            earlier.setdefault(rating.competency_id, []).append(
                EarlierRating(who, label, rating.comment)
            )
    return {key: tuple(value) for key, value in earlier.items()}
