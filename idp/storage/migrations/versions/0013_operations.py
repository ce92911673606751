"""day-one operations: establishments keep their department (FINESS extract), and the
scheduler's runs are claimed and recorded in ``job_runs``

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 22:00:00

A job run is claimed by inserting its (job, slot) row: the primary key lets exactly one of
several ``idp worker`` processes run each slot, on SQLite and PostgreSQL alike, and the row
stays as the record of the run.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("establishments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("department", sa.String(length=3), nullable=False, server_default="")
        )
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False, server_default="running"),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("job", "slot", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_runs_started_at"), ["started_at"])


def downgrade() -> None:
    op.drop_table("job_runs")
    with op.batch_alter_table("establishments", schema=None) as batch_op:
        batch_op.drop_column("department")
