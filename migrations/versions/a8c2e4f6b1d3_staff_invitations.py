"""supervisors invite staff to apply: staff invitations, renewable (issue 13.2)

Revision ID: a8c2e4f6b1d3
Revises: f7b3d5e1a9c4
Create Date: 2026-12-02 15:20:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = "a8c2e4f6b1d3"
down_revision = "f7b3d5e1a9c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("program_slug", sa.String(length=60), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("issued_at", portfolio.models.base.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", portfolio.models.base.UTCDateTime(), nullable=True),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["user_account.id"],
            name=op.f("fk_staff_invitation_candidate_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["user_account.id"],
            name=op.f("fk_staff_invitation_supervisor_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invitation")),
        sa.UniqueConstraint(
            "supervisor_id", "email", name=op.f("uq_staff_invitation_supervisor_id_email")
        ),
    )
    with op.batch_alter_table("staff_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_invitation_supervisor_id"), ["supervisor_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_invitation_supervisor_id"))
    op.drop_table("staff_invitation")
