"""Single sign-on: the team's OpenID Connect provider and the identities bound to accounts

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

from app.storage.types import JSONType, UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "single_sign_on",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("client_id", sa.String(300), nullable=False),
        sa.Column("client_secret", sa.String(500), nullable=False),
        sa.Column("allowed_domains", JSONType, nullable=False),
        sa.Column("create_users", sa.Boolean(), nullable=False),
        sa.Column("new_user_role", sa.String(20), nullable=False),
        sa.Column("password_sign_in", sa.String(20), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "password_sign_in IN ('everyone', 'admins')",
            name=op.f("ck_single_sign_on_password_sign_in_allowed"),
        ),
        sa.CheckConstraint(
            "new_user_role IN ('admin', 'hiring_manager', 'coordinator', 'interviewer')",
            name=op.f("ck_single_sign_on_new_user_role_allowed"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_single_sign_on")),
    )
    op.create_table(
        "sign_in_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_signed_in_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_sign_in_identities_issuer")),
        sa.UniqueConstraint("user_id", "issuer", name=op.f("uq_sign_in_identities_user_id")),
    )


def downgrade():
    op.drop_table("sign_in_identities")
    op.drop_table("single_sign_on")
