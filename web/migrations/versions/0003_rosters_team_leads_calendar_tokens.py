"""rosters, team leads, calendar tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:29:39.902269
"""

import sqlalchemy as sa
from alembic import op

import web.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('based_on', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('forecast_run', sa.Integer(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=80), nullable=True),
    sa.Column('approved_at', web.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=80), nullable=True),
    sa.Column('published_at', web.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'week_start', 'number')
    )
    with op.batch_alter_table('roster_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_version_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_version_status'), ['status'], unique=False)

    op.create_table('roster_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['roster_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('roster_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_change_version_id'), ['version_id'], unique=False)

    op.create_table('roster_shift',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('start', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('segments', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['roster_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'agent_id', 'date')
    )
    with op.batch_alter_table('roster_shift', schema=None) as batch_op:
        batch_op.create_index('ix_roster_shift_agent_date', ['agent_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_shift_version_id'), ['version_id'], unique=False)

    op.create_table('team_lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'team')
    )
    with op.batch_alter_table('team_lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_lead_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_required', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_user_account_calendar_token', ['calendar_token'])



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_calendar_token', type_='unique')
        batch_op.drop_column('calendar_token')
        batch_op.drop_column('locale')

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('approval_required')

    with op.batch_alter_table('team_lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_lead_user_id'))

    op.drop_table('team_lead')
    with op.batch_alter_table('roster_shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_shift_version_id'))
        batch_op.drop_index('ix_roster_shift_agent_date')

    op.drop_table('roster_shift')
    with op.batch_alter_table('roster_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_change_version_id'))

    op.drop_table('roster_change')
    with op.batch_alter_table('roster_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_version_status'))
        batch_op.drop_index(batch_op.f('ix_roster_version_site_id'))

    op.drop_table('roster_version')
