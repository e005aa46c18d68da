"""submissions keep the HTML of their texts beside the frozen snapshot

A page showing a submission (the reviewer's scoring screen, calibration, the candidate's and the
supervisor's submission pages) parsed its learning statement and narratives on every view
(issue 11.1). Their HTML is now rendered when the set is submitted and kept in its own column,
outside the snapshot and its SHA-256, so the evidence and its fingerprint stay as they were.
The upgrade renders the submissions already made, with the renderer of the code being deployed.

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
    _render_submitted_texts(document)


def _render_submitted_texts(document) -> None:
    from portfolio.domain.portfolios.narrative import RENDERER_VERSION
    from portfolio.domain.portfolios.snapshot_html import render_text

    connection = op.get_bind()
    submission = sa.table(
        "submission",
        sa.column("id", sa.Integer),
        sa.column("snapshot", document),
        sa.column("snapshot_sha256", sa.String),
        sa.column("snapshot_html", document),
        sa.column("snapshot_html_rendered_with", sa.String),
    )
    rows = connection.execute(
        sa.select(submission.c.id, submission.c.snapshot, submission.c.snapshot_sha256)
    ).all()
    for row_id, snapshot, fingerprint in rows:
        texts = _texts(snapshot)
        if texts is None:
            continue  # not a shape we wrote: the page shows it as corrupt, as before
        statement, narratives = texts
        html = {
            "for": fingerprint,
            "learning_statement": render_text(statement),
            "narratives": {code: render_text(text) for code, text in narratives.items()},
        }
        connection.execute(
            submission.update()
            .where(submission.c.id == row_id)
            .values(snapshot_html=html, snapshot_html_rendered_with=RENDERER_VERSION)
        )


def _texts(snapshot):
    """(learning statement, {code: narrative}) of a stored snapshot, or None if it has no such
    shape."""
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get("learning_statement"), str):
        return None
    narratives = {}
    for entry in snapshot.get("competencies") or []:
        if not isinstance(entry, dict):
            return None
        code, text = entry.get("code"), entry.get("narrative")
        if not isinstance(code, str) or not isinstance(text, str):
            return None
        narratives[code] = text
    return snapshot["learning_statement"], narratives


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("snapshot_html_rendered_with")
        batch_op.drop_column("snapshot_html")
