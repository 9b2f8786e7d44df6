"""Imports count the bytes of their parsed file (the account's storage quota, T41)

Revision ID: f3a9c1d7e2b4
Revises: d5e8a2c7f1b3
Create Date: 2026-12-02 05:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c1d7e2b4'
down_revision = 'd5e8a2c7f1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('stored_bytes', sa.Integer(), server_default='0', nullable=False)
        )
    # Imports made before this revision count too (their JSON as the database holds it).
    op.execute(
        'UPDATE "import" SET stored_bytes = '
        "COALESCE(LENGTH(CAST(columns AS TEXT)), 0) + COALESCE(LENGTH(CAST(rows AS TEXT)), 0)"
    )


def downgrade():
    with op.batch_alter_table('import', schema=None) as batch_op:
        batch_op.drop_column('stored_bytes')
