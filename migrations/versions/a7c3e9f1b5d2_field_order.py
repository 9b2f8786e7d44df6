"""A data source's field order, kept per connection (issue 12 point 2)

Revision ID: a7c3e9f1b5d2
Revises: f3a9c1d7e2b4
Create Date: 2026-12-03 08:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b5d2'
down_revision = 'f3a9c1d7e2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'field_order',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('connection_id', sa.Integer(), nullable=False),
        sa.Column('data_source_id', sa.String(length=64), nullable=False),
        sa.Column('property_ids', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['connection_id'], ['notion_connection.id'],
            name=op.f('fk_field_order_connection_id_notion_connection'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_field_order')),
        sa.UniqueConstraint(
            'connection_id', 'data_source_id',
            name=op.f('uq_field_order_connection_id'),
        ),
    )


def downgrade():
    op.drop_table('field_order')
