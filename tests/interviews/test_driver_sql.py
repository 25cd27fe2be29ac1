"""Statements run on the driver give back the values SQLAlchemy itself would, on each database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.driver_sql import within, writing_transaction
from app.extensions import db
from app.interviews.scorecards import _READ_FOR_SAVE, _update_for
from app.models import Scorecard, User


def test_a_row_read_on_the_driver_equals_sqlalchemys_reading(app, priya_card) -> None:
    priya = db.session.get(User, priya_card.interviewer_id)
    priya_card.stage_notes = {"pitch": "Asked about on-call, “quotes” and ünïcode."}
    priya_card.field_versions = {"notes.pitch": 1}
    db.session.commit()
    values = {
        "scorecard_id": priya_card.id,
        "user_id": priya.id,
        "session_epoch": priya.session_epoch,
    }
    through_sqlalchemy = dict(db.session.execute(_READ_FOR_SAVE, values).mappings().one())
    db.session.commit()
    with writing_transaction(db.engine) as connection:
        on_the_driver = connection.first(_READ_FOR_SAVE, values)
    assert on_the_driver == through_sqlalchemy
    assert on_the_driver["updated_at"].tzinfo is not None  # aware UTC, as the ORM gives it
    assert on_the_driver["stage_notes"]["pitch"].endswith("ünïcode.")
    assert on_the_driver["editor_role"] == "interviewer"


def test_a_write_on_the_driver_binds_through_the_column_types(app, priya_card) -> None:
    db.session.commit()
    at = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    update = _update_for(frozenset({"summary", "stage_notes", "updated_at", "version"}))
    values = {
        "scorecard_id": priya_card.id,
        "read_version": priya_card.version,
        "new_summary": "Clear thinker.",
        "new_stage_notes": {"pitch": "A dict goes in as JSON."},
        "new_updated_at": at,
        "new_version": priya_card.version + 1,
    }
    db.session.rollback()  # end the test's own read, so the write is seen below
    with writing_transaction(db.engine) as connection:
        assert connection.rowcount(update, values) == 1
    card = db.session.get(Scorecard, priya_card.id)
    assert card.summary == "Clear thinker."
    assert card.stage_notes == {"pitch": "A dict goes in as JSON."}
    assert card.updated_at == at


def _summary_update(card: Scorecard, summary: str) -> tuple:
    columns = frozenset({"summary", "updated_at", "version"})
    return _update_for(columns), {
        "scorecard_id": card.id,
        "read_version": card.version,
        "new_summary": summary,
        "new_updated_at": datetime.now(UTC),
        "new_version": card.version + 1,
    }


def test_a_failed_block_rolls_back(app, priya_card) -> None:
    update, values = _summary_update(priya_card, "never kept")
    db.session.rollback()
    with pytest.raises(RuntimeError), writing_transaction(db.engine) as connection:
        assert connection.rowcount(update, values) == 1
        raise RuntimeError("the save failed half-way")
    assert db.session.get(Scorecard, priya_card.id).summary != "never kept"


def test_within_runs_in_the_sessions_transaction(app, priya_card) -> None:
    update, values = _summary_update(priya_card, "kept by the session")
    assert within(db.session.connection()).rowcount(update, values) == 1
    db.session.commit()  # the session's owner commits
    db.session.expire_all()
    assert db.session.get(Scorecard, priya_card.id).summary == "kept by the session"


def test_a_statement_that_needs_sqlalchemys_defaults_is_refused(app, priya_card) -> None:
    update, values = _update_for(frozenset({"summary"})), {"new_summary": "x"}
    with pytest.raises(ValueError, match="updated_at"):
        within(db.session.connection()).rowcount(update, values)


def test_values_written_into_a_statement_are_bound_as_given(app, priya_card) -> None:
    cards = Scorecard.__table__
    drafts = select(cards.c.id).where(cards.c.id == priya_card.id, cards.c.status == "draft")
    db.session.commit()
    with writing_transaction(db.engine) as connection:
        assert connection.scalar(drafts, {}) == priya_card.id


def end_every_other_backend(admin) -> None:
    """What a PostgreSQL restart does to every connection but `admin`'s."""
    admin.exec_driver_sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )


def test_after_the_server_drops_its_connections_the_second_save_works(app, priya_card) -> None:
    """A PostgreSQL restart kills every pooled connection: the save that meets the first dead
    one fails (the page keeps its text and retries), the retry gets a live one."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite is a file: there is no server to drop the connections")
    card_id = priya_card.id
    update, values = _summary_update(priya_card, "after the restart")
    db.session.commit()
    held = [db.engine.raw_connection() for _ in range(3)]
    for connection in held:
        connection.close()  # three idle connections in the pool, each with a live backend
    with db.engine.connect() as admin:
        end_every_other_backend(admin)
    with pytest.raises(Exception) as dead, writing_transaction(db.engine) as connection:
        connection.rowcount(update, values)
    assert "terminating connection" in str(dead.value)
    with writing_transaction(db.engine) as connection:
        assert connection.rowcount(update, values) == 1
    db.session.expire_all()
    assert db.session.get(Scorecard, card_id).summary == "after the restart"


def test_after_a_page_meets_the_dropped_server_the_next_save_works(app, priya_card) -> None:
    """A PostgreSQL restart noticed first by an ordinary page's query: SQLAlchemy replaces the
    pool's connections, and the connection kept for saves goes with them, so the
    interviewer's next save is not the one that fails."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite is a file: there is no server to drop the connections")
    card_id = priya_card.id
    update, values = _summary_update(priya_card, "saved at once")
    db.session.commit()
    with writing_transaction(db.engine):
        pass  # this process now keeps a live connection for saves
    db.engine.raw_connection().close()  # and the pool an idle one, for the page's query
    outside_the_pool = create_engine(db.engine.url, poolclass=NullPool)
    with outside_the_pool.connect() as admin:
        end_every_other_backend(admin)
    outside_the_pool.dispose()
    with pytest.raises(OperationalError):
        db.session.execute(select(User.id)).all()  # a page's query meets a dead connection
    db.session.rollback()
    with writing_transaction(db.engine) as connection:
        assert connection.rowcount(update, values) == 1
    db.session.expire_all()
    assert db.session.get(Scorecard, card_id).summary == "saved at once"
