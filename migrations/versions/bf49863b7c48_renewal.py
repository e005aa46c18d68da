"""renewal: continuing education log and renewal applications

Holders log continuing-education activities against a certificate and apply to renew it; the
office reviews and approves. A certificate records when it lapsed (the grace period ended
unrenewed); a fee ledger entry may belong to a renewal rather than to the application.

Revision ID: bf49863b7c48
Revises: c4e8a1f7b3d9
Create Date: 2026-12-02 16:39:24.850768
"""

from alembic import op
import sqlalchemy as sa
import portfolio.models.base

revision = 'bf49863b7c48'
down_revision = 'c4e8a1f7b3d9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('renewal_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cycle_expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'proof_requested', 'approved', name='renewalstatus', native_enum=False, length=20), nullable=False),
    sa.Column('fee_cents', sa.Integer(), nullable=False),
    sa.Column('submitted_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('decided_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('new_expires_on', sa.Date(), nullable=True),
    sa.Column('decision_reasons', portfolio.models.base.JSONDocument(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_renewal_application_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_renewal_application_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_renewal_application_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_application')),
    sa.UniqueConstraint('certificate_id', 'cycle_expires_on', name=op.f('uq_renewal_application_certificate_id_cycle_expires_on'))
    )
    with op.batch_alter_table('renewal_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_application_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_renewal_application_cycle_expires_on'), ['cycle_expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_renewal_application_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_renewal_application_user_id'), ['user_id'], unique=False)

    op.create_table('ce_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('renewal_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('amount_hundredths', sa.Integer(), nullable=False),
    sa.Column('on_technology', sa.Boolean(), nullable=False),
    sa.Column('proof_upload_id', sa.Integer(), nullable=True),
    sa.Column('review', sa.Enum('pending', 'accepted', 'proof_requested', name='activityreview', native_enum=False, length=20), nullable=False),
    sa.Column('review_reason', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount_hundredths > 0', name=op.f('ck_ce_activity_positive_amount')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_ce_activity_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['proof_upload_id'], ['upload.id'], name=op.f('fk_ce_activity_proof_upload_id_upload')),
    sa.ForeignKeyConstraint(['renewal_id'], ['renewal_application.id'], name=op.f('fk_ce_activity_renewal_id_renewal_application')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_ce_activity_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ce_activity_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ce_activity'))
    )
    with op.batch_alter_table('ce_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ce_activity_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ce_activity_proof_upload_id'), ['proof_upload_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ce_activity_renewal_id'), ['renewal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ce_activity_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lapsed_on', sa.Date(), nullable=True))

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewal_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_renewal_id'), ['renewal_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payment_renewal_id_renewal_application'), 'renewal_application', ['renewal_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_renewal_id_renewal_application'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payment_renewal_id'))
        batch_op.drop_column('renewal_id')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('lapsed_on')

    with op.batch_alter_table('ce_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ce_activity_user_id'))
        batch_op.drop_index(batch_op.f('ix_ce_activity_renewal_id'))
        batch_op.drop_index(batch_op.f('ix_ce_activity_proof_upload_id'))
        batch_op.drop_index(batch_op.f('ix_ce_activity_certificate_id'))

    op.drop_table('ce_activity')
    with op.batch_alter_table('renewal_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewal_application_user_id'))
        batch_op.drop_index(batch_op.f('ix_renewal_application_status'))
        batch_op.drop_index(batch_op.f('ix_renewal_application_cycle_expires_on'))
        batch_op.drop_index(batch_op.f('ix_renewal_application_certificate_id'))

    op.drop_table('renewal_application')
