"""an upload's multipart checksum algorithm: parts sent with their SHA-256 signed into the link

Revision ID: c4f2a9d8e1b7
Revises: c5f2a8d1e3b7
Create Date: 2026-12-03 14:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'c4f2a9d8e1b7'
down_revision = 'c5f2a8d1e3b7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows begun before keep NULL: their multipart uploads were created without a checksum
    # algorithm, and their parts are still linked, sent and joined without one.
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checksum_algorithm', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_column('checksum_algorithm')
