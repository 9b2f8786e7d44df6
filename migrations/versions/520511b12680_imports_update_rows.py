"""Imports that update rows (issue 17): a row may target a page; an import's mode and key;
the last mapping per file headers and data source

Revision ID: 520511b12680
Revises: 3a1e287791bd
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '520511b12680'
down_revision = '3a1e287791bd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_page_id', sa.String(length=64), nullable=True))
    op.create_table(
        'import_mode',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('key_column', sa.String(length=255), nullable=True),
        sa.Column('key_property', sa.String(length=255), nullable=True),
        sa.Column('multi_select', sa.JSON(), nullable=True),
        sa.Column('skipped', sa.JSON(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['import_id'], ['import.id'],
            name=op.f('fk_import_mode_import_id_import'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mode')),
        sa.UniqueConstraint('import_id', name=op.f('uq_import_mode_import_id')),
    )
    op.create_table(
        'saved_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('data_source_id', sa.String(length=64), nullable=False),
        sa.Column('headers', sa.String(length=64), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'],
            name=op.f('fk_saved_mapping_user_id_user'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_mapping')),
        sa.UniqueConstraint(
            'user_id', 'data_source_id', 'headers',
            name=op.f('uq_saved_mapping_user_id'),
        ),
    )


def downgrade():
    op.drop_table('saved_mapping')
    op.drop_table('import_mode')
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.drop_column('target_page_id')
