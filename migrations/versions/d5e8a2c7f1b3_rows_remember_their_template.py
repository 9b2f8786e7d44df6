"""Rows remember the Notion template their create applies (NULL: none)

Revision ID: d5e8a2c7f1b3
Revises: c4d1e7a9b2f0
Create Date: 2026-12-09 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e8a2c7f1b3'
down_revision = 'c4d1e7a9b2f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.drop_column('template')
