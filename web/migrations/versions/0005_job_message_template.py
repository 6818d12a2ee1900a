"""job progress messages as a template with parameters, so each reader sees them in their language

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_template', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('message_params', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('message_params')
        batch_op.drop_column('message_template')
