"""a TRUNCATE of enrollment_set or submission zeroes the progress tallies it counted (PostgreSQL)

Revision ID: d2a7c4e9f1b3
Revises: c4f2a9d8e1b7
Create Date: 2026-12-04 15:40:00
"""

from alembic import op

from portfolio.models.progress import progress_trigger_statements


revision = 'd2a7c4e9f1b3'
down_revision = 'c4f2a9d8e1b7'
branch_labels = None
depends_on = None

# Written out here, not imported: a later change to the model must not change this downgrade.
_TRUNCATE_TRIGGERS = {
    "enrollment_set_progress_truncate": "enrollment_set",
    "submission_progress_truncate": "submission",
}


def upgrade() -> None:
    # Drops and makes again every tally trigger: the row triggers come back unchanged, the
    # statement triggers for TRUNCATE are new. SQLite has no TRUNCATE and gets its own again.
    for statement in progress_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table in _TRUNCATE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for function in ("enrollment_set_progress_truncated", "submission_progress_truncated"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
