"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from portfolio.models.accounts import Role, User, UserRole
from portfolio.models.applications import (
    Application,
    ApplicationStatus,
    EligibilityStatus,
    ExperienceRecord,
    PaymentPlan,
)
from portfolio.models.audit import AuditEvent
from portfolio.models.base import Base
from portfolio.models.credentials import IssuedCredential, StatusListCredential
from portfolio.models.decisions import Certificate, CertificationDecision, DecisionStatus
from portfolio.models.enrollments import (
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    LedgerKind,
    Payment,
    Route,
    ScholarshipAward,
    ScholarshipPool,
    StaffInvitation,
    SupervisorLink,
)
from portfolio.models.frameworks import (
    Competency,
    CompetencySet,
    Framework,
    FrameworkStatus,
    RubricDescriptor,
    RubricLevel,
    SetKind,
)
from portfolio.models.jobs import JobFailure
from portfolio.models.outbox import OutboxMessage, OutboxStatus
from portfolio.models.portfolios import (
    Artifact,
    ArtifactKind,
    Portfolio,
    PortfolioEntry,
    Submission,
    SubmissionStatus,
)
from portfolio.models.review_tallies import ReviewerReviewTally, SetReviewTally
from portfolio.models.reviews import (
    Assignment,
    AssignmentKind,
    AssignmentStatus,
    CalibrationAnchor,
    ConflictOfInterest,
    OutcomeStatus,
    ReviewerProfile,
    ReviewerQualification,
    ReviewerUnavailability,
    ReviewRating,
    ReviewShortfall,
    SetOutcomeRecord,
)
from portfolio.models.uploads import Upload, UploadPartDigest, UploadStatus

__all__ = [
    "Application",
    "ApplicationStatus",
    "Artifact",
    "ArtifactKind",
    "Assignment",
    "AssignmentKind",
    "AssignmentStatus",
    "AuditEvent",
    "Base",
    "CalibrationAnchor",
    "Certificate",
    "CertificationDecision",
    "Competency",
    "CompetencySet",
    "ConflictOfInterest",
    "CourseStatus",
    "DecisionStatus",
    "EligibilityStatus",
    "Enrollment",
    "EnrollmentSet",
    "EnrollmentStatus",
    "ExperienceRecord",
    "Framework",
    "FrameworkStatus",
    "IssuedCredential",
    "JobFailure",
    "LedgerKind",
    "OutboxMessage",
    "OutboxStatus",
    "OutcomeStatus",
    "Payment",
    "PaymentPlan",
    "Portfolio",
    "PortfolioEntry",
    "ReviewRating",
    "ReviewShortfall",
    "ReviewerProfile",
    "ReviewerQualification",
    "ReviewerReviewTally",
    "ReviewerUnavailability",
    "Role",
    "Route",
    "RubricDescriptor",
    "RubricLevel",
    "ScholarshipAward",
    "ScholarshipPool",
    "SetKind",
    "SetOutcomeRecord",
    "SetReviewTally",
    "StaffInvitation",
    "StatusListCredential",
    "Submission",
    "SubmissionStatus",
    "SupervisorLink",
    "Upload",
    "UploadPartDigest",
    "UploadStatus",
    "User",
    "UserRole",
]
