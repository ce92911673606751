"""national identifier

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 13:14:53.296388
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("national_id", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_national_id"), ["national_id"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_national_id"), type_="unique")
        batch_op.drop_column("national_id")
