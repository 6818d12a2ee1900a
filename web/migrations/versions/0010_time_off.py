"""time off: agents' requests with their check figures, and each site's auto-approval rules

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 03:00:00
"""

import sqlalchemy as sa
from alembic import op

import web.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('time_off_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('auto_approve', sa.Boolean(), nullable=False),
    sa.Column('min_service_level', sa.Float(), nullable=False),
    sa.Column('min_days_ahead', sa.Integer(), nullable=False),
    sa.Column('vacation_days', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id')
    )
    op.create_table('time_off_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_pk', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', web.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('absence_id', sa.Integer(), nullable=True),
    sa.Column('created_at', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['absence_id'], ['absence.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agent_pk'], ['agent.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('time_off_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_off_request_agent_pk'), ['agent_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_time_off_request_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_time_off_request_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('time_off_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_off_request_status'))
        batch_op.drop_index(batch_op.f('ix_time_off_request_site_id'))
        batch_op.drop_index(batch_op.f('ix_time_off_request_agent_pk'))
    op.drop_table('time_off_request')
    op.drop_table('time_off_rule')
