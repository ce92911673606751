"""account takeover fixes: usernames unique case-insensitively, email changes awaiting
confirmation, national identifiers awaiting the person's own confirmation, explicit
introspection rights

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:30:00

Usernames that differ only in case (or by NFKC compatibility forms) cannot both keep
signing in once names are compared case-insensitively: the upgrade stops and lists them, so
that an operator renames one of each pair, instead of letting one account shadow the other.
"""

import unicodedata
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def username_key(username: str) -> str:
    """NFKC_Casefold, as ``idp.accounts.usernames`` (copied: a migration does not move)."""
    folded = unicodedata.normalize("NFKC", username or "").casefold()
    return unicodedata.normalize("NFKC", folded)


class UsernameClashError(RuntimeError):
    """Existing usernames that become one under case-insensitive comparison."""


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, username FROM users")).all()
    by_key: dict[str, list[str]] = defaultdict(list)
    for _, username in rows:
        by_key[username_key(username)].append(username)
    clashes = sorted(names for names in by_key.values() if len(names) > 1)
    if clashes:
        listed = "; ".join(", ".join(sorted(names)) for names in clashes)
        raise UsernameClashError(
            "usernames that differ only in case must be renamed before upgrading "
            f"(one per group keeps its name): {listed}"
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.String(150), nullable=True))
        batch_op.add_column(sa.Column("pending_email", sa.String(254), nullable=True))
        batch_op.add_column(
            sa.Column(
                "national_id_verified", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    for user_id, username in rows:
        connection.execute(
            sa.text("UPDATE users SET username_key = :key WHERE id = :id"),
            {"key": username_key(username), "id": user_id},
        )
    # an identifier already used for a PSC login was proven by the person; others were typed
    connection.execute(
        sa.text(
            "UPDATE users SET national_id_verified = :yes "
            "WHERE national_id IS NOT NULL AND psc_profile IS NOT NULL"
        ),
        {"yes": True},
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.String(150), nullable=False)
        batch_op.create_unique_constraint("uq_users_username_key", ["username_key"])
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("may_introspect", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_column("may_introspect")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_username_key", type_="unique")
        batch_op.drop_column("national_id_verified")
        batch_op.drop_column("pending_email")
        batch_op.drop_column("username_key")
