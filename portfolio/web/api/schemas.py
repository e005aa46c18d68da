"""What the API answers and accepts: one pydantic model per resource and per edit (the OpenAPI
document's schemas)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from portfolio.domain.ids import MAX_ROW_ID
from portfolio.domain.portfolios.evidence import MAX_NARRATIVE, MAX_STATEMENT
from portfolio.models import ApplicationStatus, AssignmentStatus, DecisionStatus, EnrollmentStatus
from portfolio.web.api.pages import NEXT_CURSOR, PageQuery

IdSort = Literal["id", "-id"]


class Me(BaseModel):
    id: int
    name: str
    email: str
    roles: list[str]
    scopes: list[str] = Field(description="What this token may read or change now.")
    token_expires_at: datetime


class CompetencyOut(BaseModel):
    code: str
    title: str
    description: str


class SetOut(BaseModel):
    code: str
    name: str
    kind: str
    competencies: list[CompetencyOut]


class ProgramSummary(BaseModel):
    slug: str
    version: int
    name: str
    description: str
    set_count: int


class ProgramPage(BaseModel):
    items: list[ProgramSummary]
    next_cursor: str | None = NEXT_CURSOR


class RubricLevelOut(BaseModel):
    key: str
    label: str
    descriptor: str


class ProgramOut(BaseModel):
    slug: str
    version: int
    name: str
    description: str
    status: str
    published_at: datetime | None
    rubric_levels: list[RubricLevelOut]
    sets: list[SetOut]


class ProgramQuery(BaseModel):
    model_config = PageQuery.model_config

    version: int | None = Field(default=None, ge=1, le=999_999_999)


class ApplicationOut(BaseModel):
    id: int
    program: str
    program_version: int
    status: str
    eligibility: str | None
    hours_counted: int | None
    submitted_at: datetime | None
    decided_at: datetime | None
    created_at: datetime


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    next_cursor: str | None = NEXT_CURSOR


class ApplicationsQuery(PageQuery):
    sort: IdSort = "id"
    status: ApplicationStatus | None = None


class EnrollmentSetOut(BaseModel):
    id: int
    set_code: str
    set_name: str
    kind: str
    route: str
    status: str
    resubmissions_used: int


class EnrollmentOut(BaseModel):
    id: int
    program: str
    program_version: int
    status: str
    enrolled_on: date
    window_ends_on: date
    sets: list[EnrollmentSetOut]


class EnrollmentPage(BaseModel):
    items: list[EnrollmentOut]
    next_cursor: str | None = NEXT_CURSOR


class EnrollmentsQuery(PageQuery):
    sort: IdSort = "id"
    status: EnrollmentStatus | None = None


class PortfolioOut(BaseModel):
    id: int
    enrollment_id: int
    program: str
    program_version: int
    learning_statement: str = Field(description="The learning statement as written (Markdown).")
    updated_at: datetime
    version: int = Field(
        description="Changes with every save of the learning statement: send it back with an "
        "edit (PUT .../learning-statement), so an edit made meanwhile elsewhere is never "
        "overwritten."
    )


class StatementEdit(BaseModel):
    """A new learning statement for one of your portfolios, and the version of the portfolio
    it replaces."""

    model_config = ConfigDict(extra="forbid", strict=True)

    statement: str = Field(
        description=f"The whole learning statement (Markdown), at most {MAX_STATEMENT:,} "
        "characters (a CR LF line end counts as one); an empty text clears it.",
        # Documented here, checked by the service (the same rule and message as the page's).
        json_schema_extra={"maxLength": MAX_STATEMENT},
    )
    version: int = Field(
        ge=1,
        le=MAX_ROW_ID,
        description="The portfolio's `version` as you last read it. If the statement was saved "
        "since (another tab, another script), the answer is 409 and nothing is written: read "
        "the portfolio again.",
    )


class PortfolioPage(BaseModel):
    items: list[PortfolioOut]
    next_cursor: str | None = NEXT_CURSOR


class EntryOut(BaseModel):
    id: int
    competency_code: str
    competency_title: str
    narrative: str = Field(description="The narrative as written (Markdown).")
    artifact_ids: list[int]
    updated_at: datetime
    version: int = Field(
        description="Changes with every save: send it back with an edit (PUT), so an edit "
        "made meanwhile elsewhere is never overwritten."
    )


class NarrativeEdit(BaseModel):
    """A new narrative for one of your entries, and the version of the entry it replaces."""

    model_config = ConfigDict(extra="forbid", strict=True)

    narrative: str = Field(
        description=f"The whole narrative (Markdown), at most {MAX_NARRATIVE:,} characters (a "
        "CR LF line end counts as one); an empty text clears it.",
        # Documented here, checked by the service (the same rule and message as the page's).
        json_schema_extra={"maxLength": MAX_NARRATIVE},
    )
    version: int = Field(
        ge=1,
        le=MAX_ROW_ID,
        description="The entry's `version` as you last read it. If the entry was saved since "
        "(another tab, another script), the answer is 409 and nothing is written: read the "
        "entry again.",
    )


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None = NEXT_CURSOR


class ArtifactOut(BaseModel):
    id: int
    kind: str
    caption: str
    description: str
    url: str | None = Field(description="For a link artifact; files are not served here.")
    file_name: str | None
    file_size: int | None
    file_sha256: str | None
    file_status: str | None
    entry_ids: list[int]
    created_at: datetime


class ArtifactPage(BaseModel):
    items: list[ArtifactOut]
    next_cursor: str | None = NEXT_CURSOR


class OwnListQuery(PageQuery):
    sort: IdSort = "id"


class AssignmentOut(BaseModel):
    id: int
    kind: str
    status: str
    set_code: str
    set_name: str
    attempt: int
    assigned_at: datetime
    due_on: date
    submitted_at: datetime | None


class AssignmentPage(BaseModel):
    items: list[AssignmentOut]
    next_cursor: str | None = NEXT_CURSOR


class AssignmentsQuery(PageQuery):
    sort: Literal["id", "-id", "due_on", "-due_on"] = "id"
    status: AssignmentStatus | None = None


class DecisionOut(BaseModel):
    id: int
    enrollment_id: int
    status: str
    decided_at: datetime
    overridden: bool


class DecisionPage(BaseModel):
    items: list[DecisionOut]
    next_cursor: str | None = NEXT_CURSOR


class DecisionsQuery(PageQuery):
    sort: IdSort = "id"
    status: DecisionStatus | None = None


class CertificateOut(BaseModel):
    id: int
    number: str
    holder: str
    program: str
    issued_on: date
    expires_on: date
    revoked: bool


class CertificatePage(BaseModel):
    items: list[CertificateOut]
    next_cursor: str | None = NEXT_CURSOR


class CertificatesQuery(PageQuery):
    sort: Literal["id", "-id", "issued_on", "-issued_on"] = "id"


class AtRiskOut(BaseModel):
    enrollment_id: int
    user_id: int
    candidate: str
    email: str
    program: str
    window_ends_on: date
    last_activity: datetime | None
    reasons: list[str]
    missing: str


class AtRiskPage(BaseModel):
    items: list[AtRiskOut]
    next_cursor: str | None = NEXT_CURSOR


class AtRiskQuery(PageQuery):
    sort: Literal["window", "-window", "candidate", "-candidate"] = "window"
    why: Literal["window", "inactive"] | None = None


class CohortOut(BaseModel):
    label: str
    enrolled: int
    active: int
    certified: int
    closed: int
    sets_met: int
    sets_in_review: int
    median_days_to_certify: float | None
    share_certified: float | None


class CohortReportOut(BaseModel):
    program: str | None
    today: date
    cohorts: list[CohortOut]
    totals: CohortOut


class CohortQuery(BaseModel):
    model_config = PageQuery.model_config

    program: str | None = Field(default=None, min_length=1, max_length=60)
