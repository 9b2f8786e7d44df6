"""The rows API: personal API tokens (stored as SHA-256), idempotency keys per token, and the
token that posted each row (issue 16)

Revision ID: 3a1e287791bd
Revises: e4a9c2f7b1d6
Create Date: 2026-12-03 13:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a1e287791bd'
down_revision = 'e4a9c2f7b1d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('connection_id', sa.Integer(), nullable=True),
        sa.Column('data_source_id', sa.String(length=64), nullable=True),
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('hint', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['connection_id'], ['notion_connection.id'],
                                name=op.f('fk_api_token_connection_id_notion_connection'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_api_token_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('token_sha256', name=op.f('uq_api_token_token_sha256')),
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_connection_id'), ['connection_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)
    op.create_table(
        'api_idempotency_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_sha256', sa.String(length=64), nullable=False),
        sa.Column('row_nonce', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('answer', sa.JSON(), nullable=True),
        sa.Column('row_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['row_id'], ['row_submission.id'],
                                name=op.f('fk_api_idempotency_key_row_id_row_submission'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['token_id'], ['api_token.id'],
                                name=op.f('fk_api_idempotency_key_token_id_api_token'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_key')),
        sa.UniqueConstraint('token_id', 'key', name=op.f('uq_api_idempotency_key_token_id')),
    )
    with op.batch_alter_table('api_idempotency_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotency_key_created_at'), ['created_at'],
                              unique=False)
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_token_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_row_submission_api_token_id'), ['api_token_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_row_submission_api_token_id_api_token'),
                                    'api_token', ['api_token_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_row_submission_api_token_id_api_token'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_row_submission_api_token_id'))
        batch_op.drop_column('api_token_id')
    with op.batch_alter_table('api_idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotency_key_created_at'))
    op.drop_table('api_idempotency_key')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_token_connection_id'))
    op.drop_table('api_token')
