"""the fee ledger records refunds and waivers beside payments, and who paid

A payment row gains its kind (payment, refund or waiver; existing rows are payments), the payer
when someone other than the candidate paid (a sponsoring supervisor), and a note saying why a
refund or waiver was made (issue 13.2).

Revision ID: e5a1c3f9b2d7
Revises: d4a7c2e9f1b3
Create Date: 2026-12-02 14:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "e5a1c3f9b2d7"
down_revision = 'd4a7c2e9f1b3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "payment", "refund", "waiver", name="ledgerkind", native_enum=False, length=20
                ),
                nullable=False,
                server_default="payment",
            )
        )
        batch_op.add_column(sa.Column("payer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_payer_id_user_account"), "user_account", ["payer_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payment_payer_id_user_account"), type_="foreignkey")
        batch_op.drop_column("note")
        batch_op.drop_column("payer_id")
        batch_op.drop_column("kind")
