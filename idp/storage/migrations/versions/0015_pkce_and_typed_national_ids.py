"""review 3: PKCE for every client (N7), typed national identifiers that block nobody (N8)

N7: PKCE is required of every client of the code flow; ``pkce_optional`` lets an operator
exempt a legacy confidential module that cannot send it yet (off by default).

N8: a national identifier is unique among the accounts where it is verified (bound by its
owner's own login, or approved by support) only: a référent may type one that another account
holds, and learns nothing from it, and a typed one never stops its owner's own link.

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


VERIFIED = sa.text("national_id_verified")


def upgrade() -> None:
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pkce_optional", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_national_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_users_national_id"), ["national_id"])
    op.create_index(
        "uq_users_verified_national_id",
        "users",
        ["national_id"],
        unique=True,
        sqlite_where=VERIFIED,
        postgresql_where=VERIFIED,
    )


def downgrade() -> None:
    op.drop_index("uq_users_verified_national_id", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_national_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_users_national_id"), ["national_id"])
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_column("pkce_optional")
