"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from app.demo import seed_demo
from app.extensions import db
from app.library.store import load_library
from app.models import Scorecard, User

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


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


@pytest.mark.committed
def test_the_last_migrations_run_on_a_database_that_holds_data(app) -> None:
    """Every test database is migrated empty; a real one is not. Fill it, go back before the
    last revisions and come forward again, twice: no row is lost either way."""
    load_library(app.config["RUBRICS_DIR"])
    seed_demo(datetime.now(UTC))
    db.session.commit()
    people = db.session.execute(select(func.count(User.id))).scalar_one()
    cards = db.session.execute(select(func.count(Scorecard.id))).scalar_one()
    db.session.commit()
    for _ in range(2):
        downgrade(directory=MIGRATIONS, revision="0006")
        upgrade(directory=MIGRATIONS)
    assert db.session.execute(select(func.count(User.id))).scalar_one() == people > 0
    assert db.session.execute(select(func.count(Scorecard.id))).scalar_one() == cards > 0
