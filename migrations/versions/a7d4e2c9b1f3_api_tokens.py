"""personal access tokens for the JSON API: stored as SHA-256 digests, with scopes and expiry

Revision ID: a7d4e2c9b1f3
Revises: c4e2a9d17b35
Create Date: 2026-12-03 08:20:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = 'a7d4e2c9b1f3'
down_revision = 'c4e2a9d17b35'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('shown_prefix', sa.String(length=16), nullable=False),
    sa.Column('scopes', sa.String(length=300), nullable=False),
    sa.Column('created_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
    op.drop_table('api_token')
