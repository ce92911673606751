"""logout deliveries found by session: a logout brings forward the one its session's expiry
scheduled

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 17:15:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("logout_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_logout_deliveries_sid"), ["sid"])


def downgrade() -> None:
    with op.batch_alter_table("logout_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logout_deliveries_sid"))
