"""verified images name a copy without metadata for reviewers

Photos carry GPS positions, camera serial numbers and owner names that can unblind a review.
A verified image now also has a copy without any of it, written before the commit that
verifies the upload; everyone but the owner downloads that copy.

Revision ID: c3e8f1a2b4d6
Revises: 5d1c7e0a9b42
Create Date: 2026-12-02 11:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'c3e8f1a2b4d6'
down_revision = '5d1c7e0a9b42'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewer_key', sa.String(length=300), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_upload_reviewer_key'), ['reviewer_key'])


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_upload_reviewer_key'), type_='unique')
        batch_op.drop_column('reviewer_key')
