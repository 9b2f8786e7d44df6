"""Rows remember which bots made their attempts and since when (reconciliation adopts only the
app's own pages); connections can be `disconnected` and keep their rows

Revision ID: c4d1e7a9b2f0
Revises: eb2f588e36cc
Create Date: 2026-12-02 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d1e7a9b2f0'
down_revision = 'eb2f588e36cc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('attempt_bot_ids', sa.JSON(), nullable=True))
    # Rows already tried were tried by their connection's bot, at the earliest when saved.
    rows = sa.table(
        'row_submission', sa.column('id', sa.Integer), sa.column('connection_id', sa.Integer),
        sa.column('attempts', sa.Integer), sa.column('created_at', sa.DateTime),
        sa.column('first_attempt_at', sa.DateTime), sa.column('attempt_bot_ids', sa.JSON),
    )
    conns = sa.table('notion_connection', sa.column('id', sa.Integer), sa.column('bot_id', sa.String))
    bind = op.get_bind()
    tried = bind.execute(
        sa.select(rows.c.id, rows.c.created_at, conns.c.bot_id)
        .join(conns, conns.c.id == rows.c.connection_id)
        .where(rows.c.attempts > 0)
    ).all()
    for row_id, created_at, bot_id in tried:
        bind.execute(
            rows.update().where(rows.c.id == row_id)
            .values(first_attempt_at=created_at, attempt_bot_ids=[bot_id])
        )


def downgrade():
    with op.batch_alter_table('row_submission', schema=None) as batch_op:
        batch_op.drop_column('attempt_bot_ids')
        batch_op.drop_column('first_attempt_at')
