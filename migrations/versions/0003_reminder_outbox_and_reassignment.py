"""reminder outbox leases and slots; reassigned scorecards; loop confirmation time

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import app.storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("slot", sa.String(length=160), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("lease_token", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("retry_at", app.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_reminders_slot"), ["slot"], unique=False)
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.alter_column("slot", server_default=None)

    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retired_at", app.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint("uq_scorecards_session_id", type_="unique")
        batch_op.create_index(batch_op.f("ix_scorecards_session_id"), ["session_id"], unique=False)

    with op.batch_alter_table("loops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_at", app.storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("loops", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecards_session_id"))
        batch_op.create_unique_constraint("uq_scorecards_session_id", ["session_id"])
        batch_op.drop_column("retired_at")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_slot"))
        batch_op.drop_column("retry_at")
        batch_op.drop_column("lease_token")
        batch_op.drop_column("slot")
