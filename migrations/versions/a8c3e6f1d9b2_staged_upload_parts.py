"""Staged upload parts: each part its own object, checked as it lands, joined once it counts

Revision ID: a8c3e6f1d9b2
Revises: e5b1d8a3c7f2
Create Date: 2026-12-04 18:40:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = "a8c3e6f1d9b2"
down_revision = "e5b1d8a3c7f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy of the tables): nullable or with a default.
    op.add_column(
        "upload", sa.Column("parts_staged", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "upload", sa.Column("joined_at", portfolio.models.base.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "upload_part_digest",
        sa.Column("checked_at", portfolio.models.base.UTCDateTime(), nullable=True),
    )
    op.add_column("upload_part_digest", sa.Column("checked_etag", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("upload_part_digest", schema=None) as batch_op:
        batch_op.drop_column("checked_etag")
        batch_op.drop_column("checked_at")
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.drop_column("joined_at")
        batch_op.drop_column("parts_staged")
