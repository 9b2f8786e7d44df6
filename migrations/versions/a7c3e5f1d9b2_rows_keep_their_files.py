"""Rows keep the files people attach, in chunks, until Notion has them; imports may have
Notion copy their files' links (issue 14)

Revision ID: a7c3e5f1d9b2
Revises: f3a9c1d7e2b4
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e5f1d9b2'
down_revision = 'f3a9c1d7e2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('property_name', sa.String(length=255), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('filename', sa.Text(), nullable=False),
        sa.Column('content_type', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('source_url', sa.Text(), nullable=True),
        sa.Column('upload_id', sa.String(length=64), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=True),
        sa.Column('bytes_deleted_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['row_id'], ['row_submission.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('pending_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_file_row_id'), ['row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_file_user_id'), ['user_id'], unique=False)
    op.create_table(
        'pending_file_chunk',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['pending_file.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('file_id', 'seq'),
    )
    with op.batch_alter_table('import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('copy_files', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('import', schema=None) as batch_op:
        batch_op.drop_column('copy_files')
    op.drop_table('pending_file_chunk')
    with op.batch_alter_table('pending_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_file_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_file_row_id'))
    op.drop_table('pending_file')
