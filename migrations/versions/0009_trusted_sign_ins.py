"""trusted_sign_ins: account and address pairs that signed in, spared the account-wide throttle

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from app.storage.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trusted_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("trusted_until", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_sign_ins")),
        sa.UniqueConstraint("key", name=op.f("uq_trusted_sign_ins_key")),
    )
    op.create_index(
        op.f("ix_trusted_sign_ins_trusted_until"), "trusted_sign_ins", ["trusted_until"]
    )


def downgrade():
    op.drop_index(op.f("ix_trusted_sign_ins_trusted_until"), table_name="trusted_sign_ins")
    op.drop_table("trusted_sign_ins")
