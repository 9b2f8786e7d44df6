"""Rows remember when their latest create was sent (a page may not be queryable at once)

Revision ID: e4a9c2f7b1d6
Revises: b8e4d2a6c9f1
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4a9c2f7b1d6'
down_revision = 'b8e4d2a6c9f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')
