"""review 3, N7: PKCE is required of every client of the code flow; ``pkce_optional`` lets an
operator exempt a legacy confidential module that cannot send it yet (off by default)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pkce_optional", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_column("pkce_optional")
