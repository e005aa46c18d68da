"""portfolios and entries for every set already on the portfolio route

A GET never writes: the portfolio page used to make the portfolio and its entries when it was
first opened. They are now made when the candidate chooses the portfolio route
(services.enrollment.enroll.choose_route); this makes them for the enrollments that chose it
before, so the pages that only read find them. Data only; the schema does not change.

Revision ID: 5d1c7e0a9b42
Revises: b7d41c9e2f03
Create Date: 2026-12-02 11:00:00.000000
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import portfolio.models.base

revision = '5d1c7e0a9b42'
down_revision = 'b7d41c9e2f03'
branch_labels = None
depends_on = None

# The tables as they are at this revision (not the models, which may move on).
enrollment_set = sa.table(
    'enrollment_set',
    sa.column('enrollment_id', sa.Integer),
    sa.column('set_id', sa.Integer),
    sa.column('route', sa.String),
)
competency = sa.table('competency', sa.column('id', sa.Integer), sa.column('set_id', sa.Integer))
portfolio_table = sa.table(
    'portfolio',
    sa.column('id', sa.Integer),
    sa.column('enrollment_id', sa.Integer),
    sa.column('learning_statement', sa.Text),
    sa.column('updated_at', portfolio.models.base.UTCDateTime()),
    sa.column('version', sa.Integer),
)
portfolio_entry = sa.table(
    'portfolio_entry',
    sa.column('portfolio_id', sa.Integer),
    sa.column('competency_id', sa.Integer),
    sa.column('narrative', sa.Text),
    sa.column('updated_at', portfolio.models.base.UTCDateTime()),
    sa.column('version', sa.Integer),
)


def upgrade() -> None:
    now = sa.literal(datetime.now(UTC), portfolio.models.base.UTCDateTime())
    on_portfolio_route = enrollment_set.c.route == 'portfolio'
    has_portfolio = sa.exists().where(
        portfolio_table.c.enrollment_id == enrollment_set.c.enrollment_id
    )
    missing_portfolios = (
        sa.select(
            enrollment_set.c.enrollment_id, sa.literal(''), now, sa.literal(1)
        )
        .where(on_portfolio_route, ~has_portfolio)
        .distinct()
    )
    op.execute(
        portfolio_table.insert().from_select(
            ['enrollment_id', 'learning_statement', 'updated_at', 'version'], missing_portfolios
        )
    )
    has_entry = sa.exists().where(
        portfolio_entry.c.portfolio_id == portfolio_table.c.id,
        portfolio_entry.c.competency_id == competency.c.id,
    )
    missing_entries = (
        sa.select(portfolio_table.c.id, competency.c.id, sa.literal(''), now, sa.literal(1))
        .select_from(
            enrollment_set.join(
                portfolio_table, portfolio_table.c.enrollment_id == enrollment_set.c.enrollment_id
            ).join(competency, competency.c.set_id == enrollment_set.c.set_id)
        )
        .where(on_portfolio_route, ~has_entry)
        .distinct()
    )
    op.execute(
        portfolio_entry.insert().from_select(
            ['portfolio_id', 'competency_id', 'narrative', 'updated_at', 'version'],
            missing_entries,
        )
    )


def downgrade() -> None:
    # Nothing to undo: the rows are what the old code made on first view, and it reads them.
    pass
