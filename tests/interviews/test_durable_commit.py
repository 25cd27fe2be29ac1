"""On SQLite, a commit returns only after the WAL is flushed, and the flush happens after the
write lock is released, so other writers do not wait for the disk (app/durable_sqlite.py)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from app.extensions import db

from .test_autosave import autosave, signed_in_client


@pytest.fixture
def flushes(app, monkeypatch):
    """Every fsync the app makes, as (path, whether another writer could take the write lock at
    that moment); the real fsync still runs."""
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
        seen.append((path, lock_free))
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
