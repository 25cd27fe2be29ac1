"""On SQLite, a commit returns only after the WAL is flushed, and the flush happens after the
write lock (and the writing turn) is released, so other writers do not wait for the disk; an
autosave queues for its turn in the kernel (app/durable_sqlite.py)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import literal, select

from app.database import begin_on_driver
from app.driver_sql import writing_transaction
from app.extensions import db

from .test_autosave import autosave, signed_in_client

SELECT_ONE = select(literal(1).label("one"))


def turn_is_free(database: str) -> bool:
    """Whether a writer asking for a turn now would get it at once (a lock file of its own, as
    another process would have)."""
    probe = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(probe)  # also releases the turn if the probe got it
    return True


@pytest.fixture
def sqlite_database(app) -> str:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("writing turns and the WAL flush are SQLite's")
    return db.engine.url.database


@pytest.fixture
def flushes(app, monkeypatch):
    """Every fsync the app makes, as (path, whether another writer could take the write lock
    and the writing turn at that moment); the real fsync still runs."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the WAL flush is SQLite's; PostgreSQL commits durably by itself")
    database = db.engine.url.database
    real_fsync = os.fsync
    seen: list[tuple[str, bool]] = []

    def watching_fsync(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        probe = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            lock_free = True
        except sqlite3.OperationalError:  # "database is locked"
            lock_free = False
        finally:
            probe.close()
        seen.append((path, lock_free and turn_is_free(database)))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching_fsync)
    return seen


def test_a_save_is_flushed_to_the_wal_before_its_answer_and_after_the_lock(
    app, priya_card, flushes
) -> None:
    db.session.commit()
    client, token = signed_in_client(app, "priya@example.com")
    wal = Path(db.engine.url.database + "-wal").resolve()
    flushes.clear()
    response = autosave(client, token, priya_card.id, 1, {"notes.pitch": "Asked about on-call."})
    assert response.status_code == 200
    wal_flushes = [free for path, free in flushes if Path(path) == wal]
    assert wal_flushes, f"the WAL was not flushed before the answer: {flushes}"
    assert all(wal_flushes), "the WAL was flushed while the write lock was still held"


def test_reading_flushes_nothing(app, priya_card, flushes) -> None:
    db.session.commit()
    client, _ = signed_in_client(app, "priya@example.com")
    flushes.clear()
    assert client.get(f"/interviews/{priya_card.session_id}").status_code == 200
    assert client.get("/").status_code == 200
    assert flushes == []


def test_a_connections_first_flush_also_flushes_the_directory(app, demo, flushes) -> None:
    """A WAL file may be new; without its directory entry on disk, a power loss can drop it."""
    db.session.commit()
    db.engine.dispose()  # fresh connections, which have flushed nothing yet
    flushes.clear()
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE users SET name = name WHERE id = (SELECT min(id) FROM users)"
        )
    directory = Path(db.engine.url.database).resolve().parent
    assert [Path(path) for path, _ in flushes] == [
        Path(db.engine.url.database + "-wal").resolve(),
        directory,
    ]


def test_an_autosave_holds_the_writing_turn_only_inside_its_transaction(
    app, sqlite_database, demo
) -> None:
    db.session.commit()
    assert turn_is_free(sqlite_database)
    with writing_transaction(db.engine) as connection:
        assert not turn_is_free(sqlite_database)
        connection.scalar(SELECT_ONE, {})
    assert turn_is_free(sqlite_database)

    with pytest.raises(ZeroDivisionError), writing_transaction(db.engine):
        1 / 0  # noqa: B018  (any failure inside the block)
    assert turn_is_free(sqlite_database), "a rolled-back save kept the turn"


def test_a_second_writer_waits_for_the_turn_and_goes_once_it_is_released(
    app, sqlite_database, demo
) -> None:
    db.session.commit()
    first, second = db.engine.raw_connection(), db.engine.raw_connection()
    # No busy handler on the second: without turns, its BEGIN IMMEDIATE would fail at once.
    second.dbapi_connection.execute("PRAGMA busy_timeout=0")
    outcome: list[str] = []

    def second_writer() -> None:
        try:
            begin_on_driver(second.dbapi_connection, writing=True, take_turn=True)
            second.dbapi_connection.commit()
            outcome.append("wrote")
        except sqlite3.OperationalError as error:
            outcome.append(str(error))

    try:
        begin_on_driver(first.dbapi_connection, writing=True, take_turn=True)
        waiter = threading.Thread(target=second_writer)
        waiter.start()
        waiter.join(0.3)
        assert outcome == [], "the second writer did not wait for its turn"
        first.dbapi_connection.commit()
        waiter.join(10)
        assert outcome == ["wrote"], "the second writer was not woken when the turn was free"
    finally:
        first.close()
        second.close()
    assert turn_is_free(sqlite_database)


def test_closing_a_connection_gives_its_turn_back(app, sqlite_database, demo) -> None:
    db.session.commit()
    pooled = db.engine.raw_connection()
    pooled.dbapi_connection.take_writing_turn()
    assert not turn_is_free(sqlite_database)
    pooled.invalidate()  # closes the driver connection, as a broken one is closed
    assert turn_is_free(sqlite_database)


def test_writers_that_take_no_turn_do_not_wait_for_one(app, sqlite_database, demo) -> None:
    """Turns order autosaves among themselves; ORM writes go through SQLite's lock alone."""
    db.session.commit()
    engine = db.engine  # the thread has no app context
    holder = engine.raw_connection()
    done: list[bool] = []

    def orm_write() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE users SET name = name WHERE id = 1")
        done.append(True)

    try:
        holder.dbapi_connection.take_writing_turn()
        writer = threading.Thread(target=orm_write)
        writer.start()
        writer.join(10)
        assert done == [True], "an ORM write waited for an autosave's turn"
    finally:
        holder.close()
