"""On SQLite, a commit returns only after the WAL is flushed, and the flush happens after the
write lock (and the writing turn) is released, so other writers do not wait for the disk; an
autosave queues for its turn in the kernel (app/durable_sqlite.py)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import literal, select

from app.database import begin_on_driver
from app.driver_sql import writing_transaction
from app.durable_sqlite import DurableCommitConnection
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
    """Every flush the app makes (fsync or fdatasync), as (path, whether another writer could
    take the write lock and the writing turn at that moment); the real flush still runs."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the WAL flush is SQLite's; PostgreSQL commits durably by itself")
    database = db.engine.url.database
    seen: list[tuple[str, bool]] = []

    def watching(real_flush):
        def flush(fd: int) -> None:
            seen.append((os.readlink(f"/proc/self/fd/{fd}"), others_could_write()))
            real_flush(fd)

        return flush

    def others_could_write() -> bool:
        probe = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            lock_free = True
        except sqlite3.OperationalError:  # "database is locked"
            lock_free = False
        finally:
            probe.close()
        return lock_free and turn_is_free(database)

    monkeypatch.setattr(os, "fsync", watching(os.fsync))
    monkeypatch.setattr(os, "fdatasync", watching(os.fdatasync))
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


def test_a_connection_flushes_through_one_wal_descriptor_closed_with_it(app, demo, flushes) -> None:
    db.session.commit()
    db.session.close()
    db.engine.dispose()
    wal = Path(db.engine.url.database + "-wal").resolve()

    def descriptors_of_the_wal() -> int:
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(FileNotFoundError):  # the listing's own, closed by now
                # A WAL removed since still counts: it shows as "<path> (deleted)".
                count += os.readlink(f"/proc/self/fd/{fd}").startswith(str(wal))
        return count

    flushes.clear()
    with db.engine.connect() as connection:
        for _ in range(3):
            connection.exec_driver_sql(
                "UPDATE users SET name = name WHERE id = (SELECT min(id) FROM users)"
            )
            connection.commit()
        open_while_connected = descriptors_of_the_wal()
    assert [Path(path) for path, _ in flushes].count(wal) == 3, "a commit was not flushed"
    assert len(flushes) == 4, "only the first flush needs the directory's"
    db.engine.dispose()
    assert open_while_connected >= 1
    assert descriptors_of_the_wal() == 0, "a closed connection left the WAL open"


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
    asking = threading.Event()
    outcome: list[str] = []

    def second_writer() -> None:
        asking.set()
        try:
            begin_on_driver(second.dbapi_connection, writing=True, take_turn=True)
            second.dbapi_connection.commit()
            outcome.append("wrote")
        except sqlite3.OperationalError as error:
            outcome.append(str(error))

    waiter = threading.Thread(target=second_writer, daemon=True)
    try:
        begin_on_driver(first.dbapi_connection, writing=True, take_turn=True)
        waiter.start()
        assert asking.wait(10)
        waiter.join(0.3)
        assert outcome == [], "the second writer did not wait for its turn"
        first.dbapi_connection.commit()
        waiter.join(10)
        assert outcome == ["wrote"], "the second writer was not woken when the turn was free"
    finally:
        first.close()  # frees the turn, so a waiter still blocked goes on and ends
        waiter.join(10)
        second.close()
    assert turn_is_free(sqlite_database)


def test_closing_a_connection_gives_its_turn_back(app, sqlite_database, demo) -> None:
    db.session.commit()
    pooled = db.engine.raw_connection()
    driver = pooled.dbapi_connection  # kept alive: the release must come from close()
    driver.take_writing_turn()
    assert not turn_is_free(sqlite_database)
    pooled.invalidate()  # closes the driver connection, as a broken one is closed
    assert turn_is_free(sqlite_database)
    assert driver is not None


def test_a_second_turn_on_the_same_thread_fails_instead_of_waiting_forever(
    app, sqlite_database, demo
) -> None:
    db.session.commit()
    first, second = db.engine.raw_connection(), db.engine.raw_connection()

    def waited_too_long(signum, frame):
        raise TimeoutError("the second turn waited for the first (it would wait forever)")

    previous = signal.signal(signal.SIGALRM, waited_too_long)
    signal.alarm(10)
    try:
        first.dbapi_connection.take_writing_turn()
        with pytest.raises(RuntimeError, match="already holds a writing turn"):
            second.dbapi_connection.take_writing_turn()
        first.dbapi_connection.rollback()
        second.dbapi_connection.take_writing_turn()  # free again once the first has ended
        second.dbapi_connection.rollback()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        first.close()
        second.close()
    assert turn_is_free(sqlite_database)


def test_the_lock_file_takes_the_databases_mode(app, sqlite_database, demo, tmp_path) -> None:
    database = tmp_path / "shared.sqlite3"
    sqlite3.connect(database).close()
    database.chmod(0o640)
    connection = sqlite3.connect(database, factory=DurableCommitConnection)
    try:
        connection.prepare()
        assert (Path(f"{database}-writers").stat().st_mode & 0o777) == 0o640
    finally:
        connection.close()


def test_an_unopenable_lock_file_leaves_writers_to_sqlites_own_lock(
    app, sqlite_database, demo, tmp_path
) -> None:
    database = tmp_path / "odd.sqlite3"
    Path(f"{database}-writers").mkdir()  # cannot be opened as a file, by anyone
    connection = sqlite3.connect(database, factory=DurableCommitConnection, isolation_level=None)
    try:
        connection.prepare()
        connection.take_writing_turn()  # no queue to wait in: returns at once
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE notes (text TEXT)")
        connection.commit()
        assert connection.execute("SELECT count(*) FROM notes").fetchone() == (0,)
    finally:
        connection.close()


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
        writer = threading.Thread(target=orm_write, daemon=True)
        writer.start()
        writer.join(10)
        assert done == [True], "an ORM write waited for an autosave's turn"
    finally:
        holder.close()
