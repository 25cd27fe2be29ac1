"""signed_in_sessions: sessions the server can end; users.session_epoch goes

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from app.storage.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signed_in_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("remembered", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_signed_in_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_in_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_signed_in_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_signed_in_sessions_user_id"), "signed_in_sessions", ["user_id"], unique=False
    )
    # Sessions signed in before this release hold no server row: everyone signs in once more.
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild: rebuilding `users` drops the
    # table, which foreign keys (on for every app connection) refuse once rows refer to it.
    op.drop_column("users", "session_epoch")


def downgrade():
    op.add_column(
        "users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
    )
    op.drop_index(op.f("ix_signed_in_sessions_user_id"), table_name="signed_in_sessions")
    op.drop_table("signed_in_sessions")
