"""packet requests: the outbox of the PDF debrief packet renderer

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import app.storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "packet_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loop_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("requested_at", app.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", app.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["loop_id"], ["loops.id"], name=op.f("fk_packet_requests_loop_id_loops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packet_requests")),
    )
    with op.batch_alter_table("packet_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_packet_requests_loop_id_lease_until", ["loop_id", "lease_until"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_packet_requests_requested_at"), ["requested_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("packet_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packet_requests_requested_at"))
        batch_op.drop_index("ix_packet_requests_loop_id_lease_until")
    op.drop_table("packet_requests")
