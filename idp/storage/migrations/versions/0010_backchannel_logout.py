"""back-channel logout

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backchannel_logout_uri", sa.String(length=500), nullable=True)
        )
    op.create_table(
        "logout_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("uri", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("sid", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gave_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logout_deliveries")),
    )
    with op.batch_alter_table("logout_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_logout_deliveries_client_id"), ["client_id"])
        batch_op.create_index(
            batch_op.f("ix_logout_deliveries_next_attempt_at"), ["next_attempt_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("logout_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logout_deliveries_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_logout_deliveries_client_id"))
    op.drop_table("logout_deliveries")
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_column("backchannel_logout_uri")
