"""passkeys (WebAuthn): the ``passkeys`` table, each account's random user handle, the least
level a module's logins reach (``oauth_clients.minimum_acr``), whether a module gives access to
health data, and the daily sign-in counts per module and level of the assurance report

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minimum_acr", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("health_data", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "sign_in_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("acr", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "client_id", "acr", name=op.f("pk_sign_in_counts")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("passkey_handle", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_passkey_handle"), ["passkey_handle"])
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("aaguid", sa.String(length=36), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("backup_eligible", sa.Boolean(), nullable=False),
        sa.Column("backed_up", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("activated_with", sa.String(length=100), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_passkeys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkeys_credential_id")),
    )
    with op.batch_alter_table("passkeys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passkeys_user_id"), ["user_id"])


def downgrade() -> None:
    op.drop_table("sign_in_counts")
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_column("health_data")
        batch_op.drop_column("minimum_acr")
    op.drop_table("passkeys")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_passkey_handle"), type_="unique")
        batch_op.drop_column("passkey_handle")
