"""submissions keep which competencies were provisional when they were sent

A provisional competency is neither required nor counted (issue 13.1). Confirming one later
must not change the rule for sets already sent: a candidate may have left it without evidence,
and a set waiting for a third reviewer would otherwise gain a dispute nobody is assigned to.
Submissions made before this revision counted every competency, so theirs stay empty.

Revision ID: f1c9d2b7a4e6
Revises: a8c2e4f6b1d3
Create Date: 2026-12-02 15:05:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = 'f1c9d2b7a4e6'
down_revision = 'a8c2e4f6b1d3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'provisional_codes',
                portfolio.models.base.JSONDocument(),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('provisional_codes')
