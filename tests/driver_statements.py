"""Counting what reaches the database driver, for tests and `bench/autosave.py`.

SQLAlchemy's execute events miss statements run straight on the driver (`app/driver_sql.py`),
so these counts come from below it: SQLite's own trace of the statements it runs, commits
included; for psycopg, its cursor class and commit, wrapped (the real ones still run).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine, event

from app import kept_connection


class DriverCounter:
    """Statements (not BEGIN, COMMIT or ROLLBACK) and commits."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0

    def saw(self, statement: str) -> None:
        words = statement.split(None, 1)
        verb = words[0].upper() if words else ""
        if verb == "COMMIT":
            self.commits += 1
        elif verb not in ("BEGIN", "ROLLBACK"):
            self.statements.append(statement)


def _watch(dbapi_connection, counter: DriverCounter) -> Callable[[], None]:
    """Report what this DBAPI connection sends to `counter`; returns how to stop."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.set_trace_callback(counter.saw)
        return lambda: dbapi_connection.set_trace_callback(None)
    base_cursor, real_commit = dbapi_connection.cursor_factory, dbapi_connection.commit

    class WatchedCursor(base_cursor):
        def execute(self, query, *args, **kwargs):
            counter.saw(query if isinstance(query, str) else str(query))
            return super().execute(query, *args, **kwargs)

    def commit() -> None:
        counter.saw("COMMIT")
        real_commit()

    dbapi_connection.cursor_factory, dbapi_connection.commit = WatchedCursor, commit

    def stop() -> None:
        dbapi_connection.cursor_factory = base_cursor
        del dbapi_connection.commit

    return stop


@contextmanager
def watching_driver(engine: Engine) -> Iterator[DriverCounter]:
    """Count on every connection taken from the engine's pool while the block runs, and on
    the one this process keeps for short writes (not on one a session had already taken)."""
    counter = DriverCounter()
    stops: dict[int, Callable[[], None]] = {}
    kept = kept_connection.current(engine)
    if kept is not None:
        stops[id(kept)] = _watch(kept, counter)

    def checkout(dbapi_connection, record, proxy) -> None:
        if id(dbapi_connection) not in stops:
            stops[id(dbapi_connection)] = _watch(dbapi_connection, counter)

    event.listen(engine, "checkout", checkout)
    try:
        yield counter
    finally:
        event.remove(engine, "checkout", checkout)
        for stop in stops.values():
            # A connection closed since (invalidated, disposed) has nothing left to stop.
            with suppress(sqlite3.ProgrammingError):
                stop()
