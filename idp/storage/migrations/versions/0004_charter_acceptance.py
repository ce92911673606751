"""charter acceptance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 11:59:46.976641
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("charter_version", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("charter_accepted_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("charter_accepted_at")
        batch_op.drop_column("charter_version")
