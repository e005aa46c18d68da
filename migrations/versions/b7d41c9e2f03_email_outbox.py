"""email outbox

Every email becomes a row written with the change it reports, delivered after the commit and
retried (services.outbox).

Revision ID: b7d41c9e2f03
Revises: b7d41c2e9f03
Create Date: 2026-12-02 11:10:00.000000
"""

from alembic import op
import sqlalchemy as sa
import portfolio.models.base


revision = 'b7d41c9e2f03'
down_revision = 'b7d41c2e9f03'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='outboxstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sent_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('claim_token', sa.String(length=36), nullable=True),
    sa.Column('claimed_until', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_message_idempotency_key'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_status'), ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_status'))

    op.drop_table('outbox_message')
