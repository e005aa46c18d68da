"""set_outcome.revision: an administrator's override or reopening names the outcome it read

Revision ID: e5b1d8a3c7f2
Revises: d2a7c4e9f1b3
Create Date: 2026-12-04 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'e5b1d8a3c7f2'
down_revision = 'd2a7c4e9f1b3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('set_outcome', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('set_outcome', schema=None) as batch_op:
        batch_op.drop_column('revision')
