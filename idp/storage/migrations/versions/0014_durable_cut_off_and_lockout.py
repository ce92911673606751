"""review 3: the account's durable cut-off (``signed_out_at``) and the password lockout kept
apart from the référent's block (``locked_out_until``)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 04:00:00

``signed_out_at``: every sign-in of the account before this instant has ended (a password
change, "Se déconnecter partout", a block, a deactivation, the end of the last habilitation).
Codes, refresh families, access tokens and sessions from before it are refused, however long
the store's revocation markers live.

``locked_out_until``: after too many wrong passwords or codes, password attempts from browsers
the account has not used are refused until then; what an earlier login proved (sessions,
remembered browsers, Pro Santé Connect) goes on. ``blocked_until`` is now the référent's or
support's block only.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("locked_out_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_out_until")
        batch_op.drop_column("signed_out_at")
