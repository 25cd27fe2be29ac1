"""Calibration figures: per-interviewer tallies and per-competency agreement, per opening

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from app.storage.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calibration_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sa.Integer(), nullable=False),
        sa.Column("scorecards", sa.Integer(), nullable=False),
        sa.Column("levels", sa.Integer(), nullable=False),
        sa.Column("level_sum", sa.Float(), nullable=False),
        sa.Column("level_square_sum", sa.Float(), nullable=False),
        sa.Column("comparisons", sa.Integer(), nullable=False),
        sa.Column("difference_sum", sa.Float(), nullable=False),
        sa.Column("decided", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opening_id"], ["openings.id"], name=op.f("fk_calibration_tallies_opening_id_openings")
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["users.id"],
            name=op.f("fk_calibration_tallies_interviewer_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_tallies")),
        sa.UniqueConstraint(
            "opening_id", "interviewer_id", name=op.f("uq_calibration_tallies_opening_id")
        ),
    )
    op.create_index(
        op.f("ix_calibration_tallies_opening_id"), "calibration_tallies", ["opening_id"]
    )
    op.create_index(
        op.f("ix_calibration_tallies_interviewer_id"), "calibration_tallies", ["interviewer_id"]
    )
    op.create_table(
        "competency_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("competency_key", sa.String(length=80), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=True),
        sa.Column("ratings", sa.Integer(), nullable=False),
        sa.Column("loops", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opening_id"],
            ["openings.id"],
            name=op.f("fk_competency_agreements_opening_id_openings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competency_agreements")),
        sa.UniqueConstraint(
            "opening_id", "competency_key", name=op.f("uq_competency_agreements_opening_id")
        ),
    )
    op.create_index(
        op.f("ix_competency_agreements_opening_id"), "competency_agreements", ["opening_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_competency_agreements_opening_id"), table_name="competency_agreements")
    op.drop_table("competency_agreements")
    op.drop_index(op.f("ix_calibration_tallies_interviewer_id"), table_name="calibration_tallies")
    op.drop_index(op.f("ix_calibration_tallies_opening_id"), table_name="calibration_tallies")
    op.drop_table("calibration_tallies")
