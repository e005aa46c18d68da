"""portfolio imports through the upload flow: an upload's purpose, and an import's status,
its zip and the job run that holds it

Revision ID: b3e8f1a2c6d4
Revises: a7d4e2c9b1f3
Create Date: 2026-12-03 09:00:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = 'b3e8f1a2c6d4'
down_revision = 'a7d4e2c9b1f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.Enum('evidence', 'portfolio_import', name='uploadpurpose', native_enum=False, length=30), server_default='evidence', nullable=False))
    with op.batch_alter_table('portfolio_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('waiting', 'importing', 'done', 'refused', 'failed', name='importstatus', native_enum=False, length=20), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('upload_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('requested_at', portfolio.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', portfolio.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_portfolio_import_upload_id'), ['upload_id'])
        batch_op.create_foreign_key(batch_op.f('fk_portfolio_import_upload_id_upload'), 'upload', ['upload_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('portfolio_import', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_portfolio_import_upload_id_upload'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_portfolio_import_upload_id'), type_='unique')
        batch_op.drop_column('error')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claim_token')
        batch_op.drop_column('reason')
        batch_op.drop_column('requested_at')
        batch_op.drop_column('upload_id')
        batch_op.drop_column('status')
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_column('purpose')
