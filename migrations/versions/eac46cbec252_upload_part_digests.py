"""uploads sent in parts are checked part by part: the client's digests and the fingerprint

The browser hashes each part while it sends the file and reports the part's SHA-256; the server
reads every part back, compares each, and keeps the file's composite fingerprint.

Revision ID: eac46cbec252
Revises: bf49863b7c48
Create Date: 2026-12-02 16:50:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = 'eac46cbec252'
down_revision = 'bf49863b7c48'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('upload_part_digest',
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('part_number', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['upload.id'], name=op.f('fk_upload_part_digest_upload_id_upload'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('upload_id', 'part_number', name=op.f('pk_upload_part_digest'))
    )
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('declared_fingerprint', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_column('declared_fingerprint')
        batch_op.drop_column('fingerprint')
    op.drop_table('upload_part_digest')
