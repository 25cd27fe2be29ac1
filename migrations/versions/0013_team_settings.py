"""The team's settings (reminder cadence, working day, weekly interview limit), each
person's own limit and working day, and reminders by session (the dispatcher looks up a
follow-up's later siblings)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from app.storage.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "team_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_minutes", sa.Integer(), nullable=False),
        sa.Column("daily_reminders", sa.Integer(), nullable=False),
        sa.Column("tell_manager_hours", sa.Integer(), nullable=False),
        sa.Column("working_day_starts", sa.Time(), nullable=False),
        sa.Column("working_day_ends", sa.Time(), nullable=False),
        sa.Column("weekly_interview_limit", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_settings")),
    )
    op.add_column("users", sa.Column("weekly_interview_limit", sa.Integer(), nullable=True))
    op.add_column("users", sa.Column("working_day_starts", sa.Time(), nullable=True))
    op.add_column("users", sa.Column("working_day_ends", sa.Time(), nullable=True))
    op.create_index("ix_reminders_session_id", "reminders", ["session_id"])


def downgrade():
    op.drop_index("ix_reminders_session_id", table_name="reminders")
    for column in ("working_day_ends", "working_day_starts", "weekly_interview_limit"):
        op.drop_column("users", column)
    op.drop_table("team_settings")
