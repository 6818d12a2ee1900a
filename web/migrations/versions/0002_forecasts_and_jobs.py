"""forecast runs, overrides and jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:48:03.014728
"""

import sqlalchemy as sa
from alembic import op

import web.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', web.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', web.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_status'), ['status'], unique=False)

    op.create_table('forecast_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('percent', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('forecast_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forecast_override_site_id'), ['site_id'], unique=False)

    op.create_table('forecast_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('forecast_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forecast_run_site_id'), ['site_id'], unique=False)

    op.create_table('forecast_value',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('interval_start', web.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('offered', sa.Float(), nullable=False),
    sa.Column('aht_s', sa.Float(), nullable=True),
    sa.Column('offered_p10', sa.Float(), nullable=False),
    sa.Column('offered_p90', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['forecast_run.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'queue', 'interval_start')
    )


def downgrade() -> None:
    op.drop_table('forecast_value')
    with op.batch_alter_table('forecast_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecast_run_site_id'))

    op.drop_table('forecast_run')
    with op.batch_alter_table('forecast_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecast_override_site_id'))

    op.drop_table('forecast_override')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_status'))

    op.drop_table('job')
