"""Decision rules per opening, override and waiver reasons, verdicts after the discussion,
and each user's seniority for the debrief's speaking order

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from app.storage.types import JSONType, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN with a server default: no table rebuild, which foreign keys refuse on SQLite.
    op.add_column("users", sa.Column("seniority", sa.Integer(), server_default="3", nullable=False))
    op.add_column(
        "openings",
        sa.Column("competency_weights", JSONType, server_default="{}", nullable=False),
    )
    op.add_column(
        "openings", sa.Column("must_have_keys", JSONType, server_default="[]", nullable=False)
    )
    op.add_column("openings", sa.Column("hire_threshold", sa.Float(), nullable=True))
    op.add_column(
        "openings", sa.Column("min_raters", sa.Integer(), server_default="2", nullable=False)
    )
    op.add_column(
        "openings", sa.Column("max_interviews", sa.Integer(), server_default="4", nullable=False)
    )
    op.add_column("openings", sa.Column("max_interviews_reason", sa.Text(), nullable=True))
    op.add_column("debriefs", sa.Column("override_reason", sa.Text(), nullable=True))
    op.add_column("debriefs", sa.Column("waiver_reason", sa.Text(), nullable=True))
    op.add_column("debriefs", sa.Column("discussion_opened_at", UTCDateTime(), nullable=True))
    op.create_table(
        "panel_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debrief_id", sa.Integer(), nullable=False),
        sa.Column("panelist_id", sa.Integer(), nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "recommendation IN ('strong_no', 'no', 'yes', 'strong_yes')",
            name=op.f("ck_panel_verdicts_verdict_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["debrief_id"], ["debriefs.id"], name=op.f("fk_panel_verdicts_debrief_id_debriefs")
        ),
        sa.ForeignKeyConstraint(
            ["panelist_id"], ["users.id"], name=op.f("fk_panel_verdicts_panelist_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_verdicts")),
        sa.UniqueConstraint(
            "debrief_id", "panelist_id", name=op.f("uq_panel_verdicts_debrief_id")
        ),
    )
    op.create_index(op.f("ix_panel_verdicts_debrief_id"), "panel_verdicts", ["debrief_id"])


def downgrade():
    op.drop_index(op.f("ix_panel_verdicts_debrief_id"), table_name="panel_verdicts")
    op.drop_table("panel_verdicts")
    for column in ("discussion_opened_at", "waiver_reason", "override_reason"):
        op.drop_column("debriefs", column)
    for column in (
        "max_interviews_reason",
        "max_interviews",
        "min_raters",
        "hire_threshold",
        "must_have_keys",
        "competency_weights",
    ):
        op.drop_column("openings", column)
    op.drop_column("users", "seniority")
