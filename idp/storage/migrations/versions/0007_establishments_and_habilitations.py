"""establishments and habilitations

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 12:37:11.677421
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "establishments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finess", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_establishments")),
        sa.UniqueConstraint("finess", name=op.f("uq_establishments_finess")),
    )
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("module", sa.String(length=40), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("is_referent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("code", name=op.f("uq_profiles_code")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishments.id"],
            name=op.f("fk_units_establishment_id_establishments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_units_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "habilitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("receives_mails", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=150), nullable=True),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishments.id"],
            name=op.f("fk_habilitations_establishment_id_establishments"),
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["profiles.id"], name=op.f("fk_habilitations_profile_id_profiles")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_habilitations_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_habilitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_habilitations")),
    )
    with op.batch_alter_table("habilitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_habilitations_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_habilitations_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("fax", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("mobile", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("profession", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("is_support", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("created_by", sa.String(length=150), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("created_by")
        batch_op.drop_column("is_support")
        batch_op.drop_column("profession")
        batch_op.drop_column("mobile")
        batch_op.drop_column("fax")
        batch_op.drop_column("phone")

    with op.batch_alter_table("habilitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_habilitations_user_id"))
        batch_op.drop_index(batch_op.f("ix_habilitations_establishment_id"))

    op.drop_table("habilitations")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_establishment_id"))

    op.drop_table("units")
    op.drop_table("profiles")
    op.drop_table("establishments")
