"""Public forms (notion_app/public_forms) and the form a row came through (row_submission.form_id)

Revision ID: 1f93a57261ea
Revises: 520511b12680
Create Date: 2026-12-03 13:19:22.893483

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f93a57261ea'
down_revision = '520511b12680'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('data_source_id', sa.String(length=64), nullable=False),
    sa.Column('data_source_title', sa.String(length=255), nullable=True),
    sa.Column('schema', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('dropped', sa.JSON(), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('thank_you', sa.Text(), nullable=True),
    sa.Column('redirect_url', sa.Text(), nullable=True),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=True),
    sa.Column('max_submissions', sa.Integer(), nullable=True),
    sa.Column('submission_count', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('template', sa.JSON(), nullable=True),
    sa.Column('notify_each', sa.Boolean(), nullable=False),
    sa.Column('embed_origins', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['notion_connection.id'], name=op.f('fk_public_form_connection_id_notion_connection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_public_form_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_form')),
    sa.UniqueConstraint('public_id', name=op.f('uq_public_form_public_id'))
    )
    with op.batch_alter_table('public_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_form_connection_id'), ['connection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_form_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_row_submission_form_id'), ['form_id'], unique=False)


def downgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_row_submission_form_id'))
        batch_op.drop_column('form_id')

    with op.batch_alter_table('public_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_form_user_id'))
        batch_op.drop_index(batch_op.f('ix_public_form_connection_id'))

    op.drop_table('public_form')
