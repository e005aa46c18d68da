"""a revoked certificate's public statement, apart from the office's reason

The public certificate page showed the office's internal reason for a revocation. The office
now writes what the public reads separately; certificates revoked before keep their reason
internal and show the standard wording (empty statement).

Revision ID: e6a1c3f5b8d2
Revises: d4f2a9c7e1b3
Create Date: 2026-12-02 14:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = "e6a1c3f5b8d2"
down_revision = "d4f2a9c7e1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revoked_public_statement", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_column("revoked_public_statement")
