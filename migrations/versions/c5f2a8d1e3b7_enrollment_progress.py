"""each enrollment's progress tally, kept by triggers on enrollment_set and submission

Revision ID: c5f2a8d1e3b7
Revises: b3e8f1a2c6d4
Create Date: 2026-12-03 14:00:00
"""

from alembic import op
import sqlalchemy as sa

from portfolio.models.progress import (
    drop_progress_trigger_statements,
    progress_trigger_statements,
    recount_statement,
)


revision = 'c5f2a8d1e3b7'
down_revision = 'b3e8f1a2c6d4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('enrollment_progress',
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('sets_met', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sets_in_review', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sets_satisfied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('submissions', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_enrollment_progress_enrollment_id_enrollment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrollment_id', name=op.f('pk_enrollment_progress'))
    )
    # The triggers first: making them locks enrollment_set and submission until this migration
    # commits (on PostgreSQL), so the backfill counts rows no one can change meanwhile.
    for statement in progress_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.execute(recount_statement())


def downgrade() -> None:
    for statement in drop_progress_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('enrollment_progress')
