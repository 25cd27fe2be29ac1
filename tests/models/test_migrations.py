"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(app) -> None:
    context = MigrationContext.configure(
        db.session.connection(), opts={"compare_type": True, "render_as_batch": True}
    )
    differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask db migrate` and review the new revision"


def test_constraints_hold_in_the_database(demo) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    scorecard = demo.opening.candidates[0].loops[0].sessions[0].scorecard
    scorecard.recommendation = "maybe"  # no neutral outcome, even past the application
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
