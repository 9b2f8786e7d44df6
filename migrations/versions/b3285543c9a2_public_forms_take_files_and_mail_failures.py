"""Public forms take visitors' files under their own cap, can mail their owner on failures, and may offer people and relation pickers

Revision ID: b3285543c9a2
Revises: ed9d05771676
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3285543c9a2'
down_revision = 'ed9d05771676'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('public_form', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_failures', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('file_limit_bytes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('offer_people', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('offer_relations', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('picker_choices', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('public_form', schema=None) as batch_op:
        batch_op.drop_column('picker_choices')
        batch_op.drop_column('offer_relations')
        batch_op.drop_column('offer_people')
        batch_op.drop_column('file_limit_bytes')
        batch_op.drop_column('notify_failures')
