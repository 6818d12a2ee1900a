"""shift swaps: agents' offers of published shifts, and the site's rule to approve clean ones automatically

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 03:40:00
"""

import sqlalchemy as sa
from alembic import op

import web.models

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('swap_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('owner_pk', sa.Integer(), nullable=False),
    sa.Column('target_pk', sa.Integer(), nullable=True),
    sa.Column('taker_pk', sa.Integer(), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('segments', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('accepted_at', web.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', web.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('created_at', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_pk'], ['agent.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taker_pk'], ['agent.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_pk'], ['agent.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('swap_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_swap_request_owner_pk'), ['owner_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_swap_request_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_swap_request_status'), ['status'], unique=False)
    with op.batch_alter_table('time_off_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('swap_auto_approve', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('time_off_rule', schema=None) as batch_op:
        batch_op.drop_column('swap_auto_approve')
    with op.batch_alter_table('swap_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_swap_request_status'))
        batch_op.drop_index(batch_op.f('ix_swap_request_site_id'))
        batch_op.drop_index(batch_op.f('ix_swap_request_owner_pk'))
    op.drop_table('swap_request')
