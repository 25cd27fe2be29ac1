"""Database wiring: the SQLAlchemy extension, migrations, and SQLite's durability settings."""

from __future__ import annotations

import sqlite3
from contextvars import ContextVar, Token

from flask import Flask, request
from sqlalchemy import Connection, Engine, event

from ..extensions import db, migrate

# Whether the current unit of work will write. SQLite in WAL mode fails a transaction that
# reads and then writes ("database is locked", whatever busy_timeout says) when another writer
# got in between, so writing transactions start with BEGIN IMMEDIATE. Safe default: write.
_write_intent: ContextVar[bool] = ContextVar("loopkit_write_intent", default=True)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def will_write() -> None:
    """Call before the first query of a read-only request (GET) that is going to write."""
    _write_intent.set(True)


def set_write_intent(writes: bool) -> Token[bool]:
    """Set how this context begins SQLite transactions; returns a token for `reset`."""
    return _write_intent.set(writes)


def reset_write_intent(token: Token[bool]) -> None:
    _write_intent.reset(token)


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
    # SQLAlchemy's pysqlite recipe: the driver's own implicit BEGIN is off, ours is explicit.
    dbapi_connection.isolation_level = None
    for pragma in (
        "journal_mode=WAL",
        # FULL: a commit is on disk before it returns, so an acknowledged save survives power
        # loss too, not only a crash of the app.
        "synchronous=FULL",
        "foreign_keys=ON",
        "busy_timeout=10000",
        # Erased candidate data must not linger in free pages.
        "secure_delete=ON",
    ):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _sqlite_on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def watch_sqlite(engine: Engine) -> None:
    """Put the pragmas and explicit BEGIN on this engine (the app's), no other."""
    if engine.dialect.name != "sqlite":
        return
    for name, listener in (("connect", _sqlite_on_connect), ("begin", _sqlite_on_begin)):
        if not event.contains(engine, name, listener):
            event.listen(engine, name, listener)


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    with app.app_context():
        watch_sqlite(db.engine)

    @app.before_request
    def _declare_write_intent() -> None:
        _write_intent.set(request.method not in READ_ONLY_METHODS)
