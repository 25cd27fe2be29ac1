"""search text for openings and candidates

Case-folded in Python (SQLite's lower() folds ASCII only), so list search answers the same on
SQLite and PostgreSQL. Existing rows are filled here; the models keep the column in step after.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:00:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _search_key(*parts):
    # A frozen copy of app.models.search_key: a migration must not change when the app does.
    text = " ".join(unicodedata.normalize("NFC", part) for part in parts if part)
    return unicodedata.normalize("NFC", text.casefold())


def _fill(table_name, columns):
    connection = op.get_bind()
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer),
        sa.column("search_text", sa.String),
        *(sa.column(name, sa.String) for name in columns),
    )
    rows = connection.execute(
        sa.select(table.c.id, *(table.c[name] for name in columns))
    ).all()
    for row in rows:
        connection.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(search_text=_search_key(*(row._mapping[name] for name in columns)))
        )


def upgrade():
    # NOT NULL with a server default is a plain ADD COLUMN on SQLite too: no table rebuild,
    # which foreign keys (PRAGMA foreign_keys=ON) would refuse for a referenced table.
    for table_name, columns in (("openings", ("title",)), ("candidates", ("name", "email"))):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('search_text', sa.String(), server_default='', nullable=False)
            )
        _fill(table_name, columns)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f'ix_{table_name}_search_text'), ['search_text'], unique=False
            )


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild that foreign keys would refuse.
    for table_name in ("candidates", "openings"):
        op.drop_index(op.f(f'ix_{table_name}_search_text'), table_name=table_name)
        op.drop_column(table_name, 'search_text')
