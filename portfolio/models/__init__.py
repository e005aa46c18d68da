"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from portfolio.models.accounts import Role, User, UserRole
from portfolio.models.applications import (
    Application,
    ApplicationStatus,
    EligibilityStatus,
    ExperienceEntry,
    PaymentPlan,
)
from portfolio.models.audit import AuditEvent
from portfolio.models.base import Base
from portfolio.models.enrollments import (
    CourseStatus,
    Enrollment,
    EnrollmentSet,
    EnrollmentStatus,
    Payment,
    Route,
    ScholarshipAward,
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
from portfolio.models.portfolios import (
    Artifact,
    ArtifactKind,
    Portfolio,
    PortfolioEntry,
    Submission,
    SubmissionStatus,
)
from portfolio.models.uploads import Upload, UploadStatus

__all__ = [
    "Application",
    "ApplicationStatus",
    "Artifact",
    "ArtifactKind",
    "AuditEvent",
    "Base",
    "Competency",
    "CompetencySet",
    "CourseStatus",
    "EligibilityStatus",
    "Enrollment",
    "EnrollmentSet",
    "EnrollmentStatus",
    "ExperienceEntry",
    "Framework",
    "FrameworkStatus",
    "Payment",
    "PaymentPlan",
    "Portfolio",
    "PortfolioEntry",
    "Role",
    "Route",
    "RubricDescriptor",
    "RubricLevel",
    "ScholarshipAward",
    "SetKind",
    "Submission",
    "SubmissionStatus",
    "SupervisorLink",
    "Upload",
    "UploadStatus",
    "User",
    "UserRole",
]
