"""scholarship pools, and membership of a scholarship's awarding body as its own fact

A scholarship pool holds a gift for one scholarship of a program; awards draw from it and a
CHECK keeps them within the gift. An award remembers its pool and its awarding body (the
18-month limit counts every award from that body). An application states membership of the
awarding body apart from the association's member price (issue 13.2).

Revision ID: f7b3d5e1a9c4
Revises: e5a1c3f9b2d7
Create Date: 2026-12-02 15:00:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = "f7b3d5e1a9c4"
down_revision = "e5a1c3f9b2d7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scholarship_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_slug", sa.String(length=60), nullable=False),
        sa.Column("scholarship_key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("awarded_cents", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portfolio.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("total_cents > 0", name=op.f("ck_scholarship_pool_positive_total")),
        sa.CheckConstraint(
            "awarded_cents >= 0 AND awarded_cents <= total_cents",
            name=op.f("ck_scholarship_pool_within_total"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_scholarship_pool_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scholarship_pool")),
    )
    with op.batch_alter_table("scholarship_pool", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scholarship_pool_program_slug"), ["program_slug"], unique=False
        )
    with op.batch_alter_table("scholarship_award", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("awarding_body", sa.String(length=60), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("pool_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_scholarship_award_pool_id"), ["pool_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_scholarship_award_pool_id_scholarship_pool"),
            "scholarship_pool",
            ["pool_id"],
            ["id"],
        )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "awarding_body_member", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("awarding_body_member")
    with op.batch_alter_table("scholarship_award", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_scholarship_award_pool_id_scholarship_pool"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_scholarship_award_pool_id"))
        batch_op.drop_column("pool_id")
        batch_op.drop_column("awarding_body")
    with op.batch_alter_table("scholarship_pool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scholarship_pool_program_slug"))
    op.drop_table("scholarship_pool")
