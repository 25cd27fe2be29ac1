"""Pair and shadow interviews: who sits in beside an interview's lead, and training scorecards

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "session_panelists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.CheckConstraint("role IN ('co', 'shadow')", name=op.f("ck_session_panelists_role_allowed")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["interview_sessions.id"],
            name=op.f("fk_session_panelists_session_id_interview_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_panelists_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_panelists")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_session_panelists_session_id")),
    )
    op.create_index(op.f("ix_session_panelists_session_id"), "session_panelists", ["session_id"])
    op.create_index(op.f("ix_session_panelists_user_id"), "session_panelists", ["user_id"])
    op.add_column(
        "scorecards",
        sa.Column("training", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    op.drop_column("scorecards", "training")
    op.drop_index(op.f("ix_session_panelists_user_id"), table_name="session_panelists")
    op.drop_index(op.f("ix_session_panelists_session_id"), table_name="session_panelists")
    op.drop_table("session_panelists")
