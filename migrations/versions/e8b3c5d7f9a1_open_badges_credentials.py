"""Open Badges 3.0 credentials: signed credentials, the revocation status list, and each
certificate's index in it

Certificates issued before keep a null index until `flask certificates issue-credentials`
signs their credentials (it allocates the index then).

Revision ID: e8b3c5d7f9a1
Revises: e6a1c3f5b8d2
Create Date: 2026-12-02 14:00:00
"""

from alembic import op
import sqlalchemy as sa

import portfolio.models.base


revision = "e8b3c5d7f9a1"
down_revision = "e6a1c3f5b8d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_certificate_status_index"), ["status_index"]
        )
    op.create_table(
        "issued_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=300), nullable=False),
        sa.Column("issued_at", portfolio.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificate.id"],
            name=op.f("fk_issued_credential_certificate_id_certificate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_credential")),
        sa.UniqueConstraint("public_id", name=op.f("uq_issued_credential_public_id")),
    )
    with op.batch_alter_table("issued_credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_credential_certificate_id"), ["certificate_id"], unique=False
        )
    op.create_table(
        "status_list_credential",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", portfolio.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_list_credential")),
    )


def downgrade() -> None:
    op.drop_table("status_list_credential")
    with op.batch_alter_table("issued_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_credential_certificate_id"))
    op.drop_table("issued_credential")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_certificate_status_index"), type_="unique")
        batch_op.drop_column("status_index")
