"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from portfolio.models.accounts import Role, User, UserRole
from portfolio.models.audit import AuditEvent
from portfolio.models.base import Base
from portfolio.models.frameworks import (
    Competency,
    CompetencySet,
    Framework,
    FrameworkStatus,
    RubricDescriptor,
    RubricLevel,
    SetKind,
)

__all__ = [
    "AuditEvent",
    "Base",
    "Competency",
    "CompetencySet",
    "Framework",
    "FrameworkStatus",
    "Role",
    "RubricDescriptor",
    "RubricLevel",
    "SetKind",
    "User",
    "UserRole",
]
