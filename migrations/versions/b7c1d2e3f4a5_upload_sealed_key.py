"""uploads name their sealed copy from the start

A single-POST upload is copied to a key no link was issued for before it is checked. The key
is now chosen when the upload begins and kept on the row, so a completion interrupted after
the copy leaves an object that a pending row still claims (reconcile keeps it) and the
original is deleted only after the commit that stops naming it.

Revision ID: b7c1d2e3f4a5
Revises: ec3fdb8ca81c
Create Date: 2026-12-02 11:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'b7c1d2e3f4a5'
down_revision = 'ec3fdb8ca81c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_key', sa.String(length=300), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_upload_sealed_key'), ['sealed_key'])


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_upload_sealed_key'), type_='unique')
        batch_op.drop_column('sealed_key')
