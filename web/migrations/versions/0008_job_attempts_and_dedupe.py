"""jobs run by workers: attempts, the worker, a deadline, and a key that keeps duplicate submissions out

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 01:30:00
"""

import sqlalchemy as sa
from alembic import op

import web.models

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('worker', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('deadline_at', web.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('active_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_job_active_key', ['active_key'])


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint('uq_job_active_key', type_='unique')
        batch_op.drop_column('active_key')
        batch_op.drop_column('deadline_at')
        batch_op.drop_column('worker')
        batch_op.drop_column('attempts')
