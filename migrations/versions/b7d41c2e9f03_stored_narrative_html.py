"""learning statements and narratives keep their rendered HTML and the renderer's version

Revision ID: b7d41c2e9f03
Revises: b7c1d2e3f4a5
Create Date: 2026-12-02 11:10:00.000000

Pages no longer parse Markdown on view (issue 11.1): each text is rendered once when saved.
The upgrade renders the texts already saved, with the renderer of the code being deployed.
"""

from alembic import op
import sqlalchemy as sa

revision = 'b7d41c2e9f03'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None

# (table, its Markdown column); the new columns are named after the Markdown column.
TEXTS = (("portfolio", "learning_statement"), ("portfolio_entry", "narrative"))


def upgrade() -> None:
    for table, name in TEXTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(f'{name}_html', sa.Text(), nullable=False, server_default=''))
            batch_op.add_column(
                sa.Column(f'{name}_rendered_with', sa.String(length=80), nullable=False, server_default='')
            )
    _render_saved_texts()


def _render_saved_texts() -> None:
    from portfolio.domain.errors import InvalidInput
    from portfolio.domain.portfolios.narrative import render_for_storage

    connection = op.get_bind()
    for table_name, name in TEXTS:
        table = sa.table(
            table_name, sa.column('id', sa.Integer), sa.column(name, sa.Text),
            sa.column(f'{name}_html', sa.Text), sa.column(f'{name}_rendered_with', sa.String),
        )
        rows = connection.execute(sa.select(table.c.id, table.c[name]).where(table.c[name] != '')).all()
        for row_id, text in rows:
            try:
                rendered = render_for_storage(text)
            except InvalidInput:
                continue  # over today's limit: left stale, shown rendered in memory, never lost
            connection.execute(
                table.update().where(table.c.id == row_id).values(
                    {f'{name}_html': rendered.html, f'{name}_rendered_with': rendered.rendered_with}
                )
            )


def downgrade() -> None:
    for table, name in TEXTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(f'{name}_rendered_with')
            batch_op.drop_column(f'{name}_html')
