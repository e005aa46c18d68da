"""submissions keep the HTML of their texts beside the frozen snapshot

A page showing a submission (the reviewer's scoring screen, calibration, the candidate's and the
supervisor's submission pages) parsed its learning statement and narratives on every view
(issue 11.1). Their HTML is now rendered when the set is submitted and kept in its own column,
outside the snapshot and its SHA-256, so the evidence and its fingerprint stay as they were.
The upgrade only adds the columns: a render inside it would hold the table's lock for the whole
pass. Submissions made before it show their texts rendered in memory (linear, bounded) until
`flask portfolios render-markdown` stores their HTML, as after any renderer upgrade.

Revision ID: d4f2a9c7e1b3
Revises: c3e8f1a2b4d6
Create Date: 2026-12-02 13:50:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = "d4f2a9c7e1b3"
down_revision = "c3e8f1a2b4d6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    document = portfolio.models.base.JSONDocument()
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("snapshot_html", document, nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column(
                "snapshot_html_rendered_with",
                sa.String(length=80),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("snapshot_html_rendered_with")
        batch_op.drop_column("snapshot_html")
