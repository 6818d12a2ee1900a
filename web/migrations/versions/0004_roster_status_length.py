"""roster_version.status holds 'awaiting_approval' (17 characters)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite does not enforce VARCHAR lengths, and rebuilding the table there would cascade-delete its shifts.
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('roster_version', 'status', existing_type=sa.String(length=16), type_=sa.String(length=32),
                        existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('roster_version', 'status', existing_type=sa.String(length=32), type_=sa.String(length=16),
                        existing_nullable=False)
