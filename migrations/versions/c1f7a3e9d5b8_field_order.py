"""A data source's field order, kept per connection (issue 12 point 2)

Revision ID: c1f7a3e9d5b8
Revises: a7c3e5f1d9b2
Create Date: 2026-12-03 08:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1f7a3e9d5b8'
down_revision = 'a7c3e5f1d9b2'
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
