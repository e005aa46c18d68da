"""notifications and email preferences

Every email to a person is also a notification in the app (issue 15.2); each person chooses per
kind how its emails reach them (at once, a daily digest, or not at all). Outbox rows say their
kind and carry the one-click unsubscribe address for their List-Unsubscribe header.

Revision ID: dd6c63eaa275
Revises: a3e7c1d9f5b2
Create Date: 2026-12-02 16:41:51.365558
"""

from alembic import op
import sqlalchemy as sa
import portfolio.models.base

revision = 'dd6c63eaa275'
down_revision = 'a3e7c1d9f5b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('account_security', 'decision', 'outcome', 'invitation', 'review_assigned', 'review_reminder', 'reviews_complete', 'course_returned', 'deadline_reminder', 'digest', name='kind', native_enum=False, length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('read_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('delivery', sa.Enum('immediate', 'digest', 'off', name='delivery', native_enum=False, length=20), nullable=False),
    sa.Column('digested_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notification_idempotency_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_delivery'), ['delivery', 'digested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id', 'read_at'], unique=False)

    op.create_table('notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('account_security', 'decision', 'outcome', 'invitation', 'review_assigned', 'review_reminder', 'reviews_complete', 'course_returned', 'deadline_reminder', 'digest', name='kind', native_enum=False, length=40), nullable=False),
    sa.Column('delivery', sa.Enum('immediate', 'digest', 'off', name='delivery', native_enum=False, length=20), nullable=False),
    sa.Column('updated_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_preference_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preference_user_id_kind'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unsubscribe_url', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('unsubscribe_url')
        batch_op.drop_column('kind')

    op.drop_table('notification_preference')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_delivery'))

    op.drop_table('notification')
