"""Users confirm their email address (accounts/confirmation.py): when they followed the link

Revision ID: a7c3e9f1b5d2
Revises: c1f7a3e9d5b8
Create Date: 2026-12-03 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b5d2'
down_revision = 'c1f7a3e9d5b8'
branch_labels = None
depends_on = None


def upgrade():
    # Accounts made before this revision start unconfirmed: the account page offers the link.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
