"""Durability: an acknowledged save is on disk. A kill test cannot show that (SIGKILL keeps the
OS page cache, so `synchronous=OFF` would pass it too); instead check the two things durability
rests on: every connection the app uses commits through to disk, and the answer is sent only
after the commit has returned."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask, request_finished
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.demo import seed_demo
from app.extensions import db
from app.library.store import load_library
from app.storage.database import reset_write_intent, set_write_intent

from ..conftest import make_app
from .test_autosave import autosave, signed_in_client

# Its own app on a database copy on a real disk: the commits here are real.
pytestmark = pytest.mark.committed


@contextmanager
def read_only() -> Iterator[None]:
    token = set_write_intent(False)
    try:
        yield
    finally:
        reset_write_intent(token)


@pytest.fixture
def durable_app(disk_database: str, tmp_path: Path) -> Flask:
    app = make_app(disk_database, tmp_path / "instance")
    with app.app_context():
        report = load_library(app.config["RUBRICS_DIR"])
        assert not report.problems, report.problems
        team = seed_demo(datetime.now(UTC))
        card = team.opening.candidates[0].loops[0].sessions[0].scorecard
        assert card.interviewer.email == "priya@example.com" and card.submitted_at is None
        app.config["TEST_PRIYA_CARD"] = (card.id, card.version)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_every_connection_of_the_app_commits_through_to_disk(durable_app: Flask) -> None:
    # Read-only transactions, so that three can be open at once.
    with durable_app.app_context(), read_only():
        connections = [db.engine.connect() for _ in range(3)]  # fresh ones, not one reused
        try:
            for connection in connections:
                if db.engine.dialect.name == "sqlite":
                    # 2 is FULL: the WAL is fsynced at every commit, before COMMIT returns.
                    assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
                    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                    assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
                else:
                    # What the app may choose per session; fsync is the server's own setting
                    # (the suite's throwaway server turns it off).
                    assert connection.execute(text("SHOW synchronous_commit")).scalar() == "on"
        finally:
            for connection in connections:
                connection.close()


def test_a_save_is_answered_only_after_its_commit_has_returned(
    durable_app: Flask, disk_database: str
) -> None:
    card_id, version = durable_app.config["TEST_PRIYA_CARD"]
    client, token = signed_in_client(durable_app, "priya@example.com")

    events: list[str] = []

    def before_statement(_conn, _cursor, statement, *_args) -> None:
        events.append("statement " + statement.split(None, 1)[0].upper())

    def committed(_session) -> None:
        events.append("committed")

    def answered(_sender, response, **_extra) -> None:
        events.append(f"answered {response.status_code}")

    with durable_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_statement)
    event.listen(Session, "after_commit", committed)  # fires once the DBAPI commit returned
    request_finished.connect(answered, durable_app)
    try:
        response = autosave(client, token, card_id, version, {"notes.pitch": "On disk first."})
    finally:
        event.remove(engine, "before_cursor_execute", before_statement)
        event.remove(Session, "after_commit", committed)
        request_finished.disconnect(answered, durable_app)

    assert response.status_code == 200, response.get_json()
    assert events.count("committed") == 1, events
    assert events[-2:] == ["committed", "answered 200"], events
    assert "statement UPDATE" in events[: events.index("committed")], events
    if disk_database.startswith("sqlite"):
        # Another connection, outside the app, reads it straight after the answer.
        reader = sqlite3.connect(disk_database.removeprefix("sqlite:///"))
        try:
            (notes,) = reader.execute(
                "SELECT stage_notes FROM scorecards WHERE id = ?", (card_id,)
            ).fetchone()
        finally:
            reader.close()
        assert "On disk first." in notes
