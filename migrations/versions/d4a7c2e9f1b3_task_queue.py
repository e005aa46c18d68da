"""task queue: upload checks run as jobs, and failed jobs are kept for administrators

`complete` now only records that a check was asked for; a job claims the row, checks the
object and finishes it. job_failure keeps the jobs that used up their retries.

Revision ID: d4a7c2e9f1b3
Revises: e8b3c5d7f9a1
Create Date: 2026-12-02 14:00:00
"""

from alembic import op
import sqlalchemy as sa
import portfolio.models.base


revision = 'd4a7c2e9f1b3'
down_revision = 'e8b3c5d7f9a1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_requested_at', portfolio.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('check_token', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('check_claimed_until', portfolio.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('check_error', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('check_failed_at', portfolio.models.base.UTCDateTime(), nullable=True))
    op.create_table('job_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=155), nullable=False),
    sa.Column('task_name', sa.String(length=200), nullable=False),
    sa.Column('arguments', portfolio.models.base.JSONDocument(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('failed_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('retried_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failure')),
    sa.UniqueConstraint('task_id', name=op.f('uq_job_failure_task_id'))
    )
    with op.batch_alter_table('job_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_failure_failed_at'), ['failed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_failure_failed_at'))
    op.drop_table('job_failure')
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_column('check_failed_at')
        batch_op.drop_column('check_error')
        batch_op.drop_column('check_claimed_until')
        batch_op.drop_column('check_token')
        batch_op.drop_column('check_requested_at')
