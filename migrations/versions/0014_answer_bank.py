"""The candidate-questions answer bank, and on each scorecard what the candidate asked from it
and what we owe them an answer to

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from app.storage.types import JSONType, UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TOPICS = "'team', 'work', 'remote', 'process', 'growth', 'compensation', 'other'"


def upgrade():
    op.create_table(
        "candidate_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opening_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(20), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(f"topic IN ({TOPICS})", name=op.f("ck_candidate_answers_topic_allowed")),
        sa.ForeignKeyConstraint(
            ["opening_id"], ["openings.id"], name=op.f("fk_candidate_answers_opening_id_openings")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_candidate_answers_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_answers")),
    )
    op.create_index(op.f("ix_candidate_answers_opening_id"), "candidate_answers", ["opening_id"])
    op.add_column(
        "scorecards", sa.Column("asked_answers", JSONType, server_default="{}", nullable=False)
    )
    op.add_column(
        "scorecards", sa.Column("owed_answers", sa.Text(), server_default="", nullable=False)
    )


def downgrade():
    op.drop_column("scorecards", "owed_answers")
    op.drop_column("scorecards", "asked_answers")
    op.drop_index("ix_candidate_answers_opening_id", table_name="candidate_answers")
    op.drop_table("candidate_answers")
