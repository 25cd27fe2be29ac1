"""candidates.erased_at: when an admin (or the retention rule) erased a candidate's personal data

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import app.storage.types

revision = "0006"
# 0005 is written in parallel on another branch; whoever merges re-chains this one after it.
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # A nullable ADD COLUMN: no table rebuild, which foreign keys would refuse on SQLite.
    op.add_column(
        "candidates",
        sa.Column("erased_at", app.storage.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild.
    op.drop_column("candidates", "erased_at")
