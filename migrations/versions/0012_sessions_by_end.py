"""interview_sessions by end time: the speed figures read a period's interviews

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_interview_sessions_ends_at", "interview_sessions", ["ends_at"])


def downgrade():
    op.drop_index("ix_interview_sessions_ends_at", table_name="interview_sessions")
