"""audit trail by site: roster_change gets the site (filled from its version), forecast overrides without a
version can be recorded, and an index for the newest-first listing of a site

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 01:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('roster_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
    op.execute("UPDATE roster_change SET site_id = (SELECT roster_version.site_id FROM roster_version "
               "WHERE roster_version.id = roster_change.version_id)")
    with op.batch_alter_table('roster_change', schema=None) as batch_op:
        batch_op.alter_column('site_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('fk_roster_change_site_id_site', 'site', ['site_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index('ix_roster_change_site_created', ['site_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM roster_change WHERE version_id IS NULL")
    with op.batch_alter_table('roster_change', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_change_site_created')
        batch_op.drop_constraint('fk_roster_change_site_id_site', type_='foreignkey')
        batch_op.alter_column('version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('site_id')
