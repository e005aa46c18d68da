"""an elective swapped out after it closed as not met stays on record

A candidate whose elective's portfolio closed as not met may choose another elective while the
completion window is open (issue 13.1). The old set's submissions point at its row, so the row
stays, marked with the day it was dropped; the enrollment's sets leave it out.

Revision ID: a3e7c1d9f5b2
Revises: f1c9d2b7a4e6
Create Date: 2026-12-02 15:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'a3e7c1d9f5b2'
down_revision = 'f1c9d2b7a4e6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrollment_set', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropped_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enrollment_set', schema=None) as batch_op:
        batch_op.drop_column('dropped_on')
