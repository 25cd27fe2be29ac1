"""users.session_epoch: setting a password ends the account's other sessions

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # NOT NULL with a default: an ADD COLUMN, no table rebuild. Sessions signed in before this
    # carry no epoch and count as epoch 0, so nobody is signed out by the upgrade itself.
    op.add_column(
        "users",
        sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade():
    op.drop_column("users", "session_epoch")
