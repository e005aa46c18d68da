"""appeals: the appeal of a set outcome or a certification decision, and its attached files

Revision ID: c4e8a1f7b3d9
Revises: 7e7b51f07ca2
Create Date: 2026-12-02 16:42:04.651188
"""

from alembic import op
import sqlalchemy as sa
import portfolio.models.base

revision = 'c4e8a1f7b3d9'
down_revision = '7e7b51f07ca2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Enum('set_outcome', 'certification', name='appealsubject', native_enum=False, length=20), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('stage', sa.Enum('notice_filed', 'grounds_filed', 'with_committee', 'upheld', 'sent_back', 'reconsidered', name='appealstage', native_enum=False, length=20), nullable=False),
    sa.Column('notice_filed_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('grounds_filed_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('office_response', sa.Text(), nullable=False),
    sa.Column('office_declined', sa.Boolean(), nullable=False),
    sa.Column('office_answered_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('office_answered_by_id', sa.Integer(), nullable=True),
    sa.Column('ruling', sa.String(length=20), nullable=False),
    sa.Column('ruling_comments', sa.Text(), nullable=False),
    sa.Column('ruled_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('ruled_by_id', sa.Integer(), nullable=True),
    sa.Column('reconsideration', sa.Text(), nullable=False),
    sa.Column('reconsidered_at', portfolio.models.base.UTCDateTime(), nullable=True),
    sa.Column('reconsidered_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(submission_id IS NULL) <> (decision_id IS NULL)', name=op.f('ck_appeal_one_subject')),
    sa.ForeignKeyConstraint(['candidate_id'], ['user_account.id'], name=op.f('fk_appeal_candidate_id_user_account')),
    sa.ForeignKeyConstraint(['decision_id'], ['certification_decision.id'], name=op.f('fk_appeal_decision_id_certification_decision')),
    sa.ForeignKeyConstraint(['office_answered_by_id'], ['user_account.id'], name=op.f('fk_appeal_office_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['reconsidered_by_id'], ['user_account.id'], name=op.f('fk_appeal_reconsidered_by_id_user_account')),
    sa.ForeignKeyConstraint(['ruled_by_id'], ['user_account.id'], name=op.f('fk_appeal_ruled_by_id_user_account')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_appeal_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_appeal_decision_id')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_appeal_submission_id'))
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_stage'), ['stage'], unique=False)

    op.create_table('appeal_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('added_at', portfolio.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeal.id'], name=op.f('fk_appeal_attachment_appeal_id_appeal')),
    sa.ForeignKeyConstraint(['upload_id'], ['upload.id'], name=op.f('fk_appeal_attachment_upload_id_upload')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_attachment')),
    sa.UniqueConstraint('upload_id', name=op.f('uq_appeal_attachment_upload_id'))
    )
    with op.batch_alter_table('appeal_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_attachment_appeal_id'), ['appeal_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('appeal_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_attachment_appeal_id'))

    op.drop_table('appeal_attachment')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_stage'))
        batch_op.drop_index(batch_op.f('ix_appeal_candidate_id'))

    op.drop_table('appeal')
