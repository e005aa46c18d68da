"""portfolio imports: a candidate's export from another installation, imported as a draft

One row per import that was kept (a refused one leaves none): counts, and the sentences telling
the candidate what could not be placed and what stays with the issuing installation.

Revision ID: c4e2a9d17b35
Revises: eac46cbec252
Create Date: 2026-12-03 08:20:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = 'c4e2a9d17b35'
down_revision = 'eac46cbec252'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portfolio_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('imported_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('exported_at', sa.String(length=40), nullable=False),
    sa.Column('program_version', sa.Integer(), nullable=False),
    sa.Column('narratives', sa.Integer(), nullable=False),
    sa.Column('links', sa.Integer(), nullable=False),
    sa.Column('files', sa.Integer(), nullable=False),
    sa.Column('file_bytes', sa.BigInteger(), nullable=False),
    sa.Column('not_placed', portfolio.models.base.JSONDocument(), nullable=False),
    sa.Column('left_out', portfolio.models.base.JSONDocument(), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_portfolio_import_enrollment_id_enrollment')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_portfolio_import_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_import'))
    )
    with op.batch_alter_table('portfolio_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_import_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portfolio_import_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('portfolio_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_import_user_id'))
        batch_op.drop_index(batch_op.f('ix_portfolio_import_enrollment_id'))
    op.drop_table('portfolio_import')
