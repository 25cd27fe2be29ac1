"""Database wiring: the SQLAlchemy extension, migrations, and SQLite's durability settings."""

from __future__ import annotations

import sqlite3
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from .durable_sqlite import DurableCommitConnection
from .extensions import db, migrate

# Whether the current unit of work will write. SQLite in WAL mode fails a transaction that
# reads and then writes ("database is locked", whatever busy_timeout says) when another writer
# got in between, so writing transactions start with BEGIN IMMEDIATE. Safe default: write.
_write_intent: ContextVar[bool] = ContextVar("loopkit_write_intent", default=True)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def will_write() -> None:
    """Call before the first query of a read-only request (GET) that is going to write."""
    _write_intent.set(True)


def set_write_intent(writes: bool):
    """Set how this context begins SQLite transactions; returns a token for `reset`."""
    return _write_intent.set(writes)


def reset_write_intent(token) -> None:
    _write_intent.reset(token)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Take over transaction control from the sqlite3 module (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    if isinstance(dbapi_connection, DurableCommitConnection):
        dbapi_connection.prepare()  # its commit flushes the WAL itself, after the lock
    else:
        # FULL: a committed save survives power loss too, not only an application crash.
        cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Erased candidate data must not linger in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        begin_on_driver(connection.connection.dbapi_connection, _write_intent.get())


def begin_on_driver(driver, writing: bool, take_turn: bool = False) -> None:
    """Begin a transaction on a DBAPI connection: on SQLite explicitly, with the write lock
    taken up front when it will write (after waiting for a writing turn when `take_turn`: for
    short transactions only, since others queue behind it); other drivers begin implicitly at
    the first statement.

    Straight to the driver: every transaction starts here, and the statement needs none of
    SQLAlchemy's execution machinery (nor do statement counters want to see it)."""
    if not isinstance(driver, sqlite3.Connection):
        return
    if isinstance(driver, DurableCommitConnection):
        if writing and take_turn:
            driver.take_writing_turn()
        driver.began(writing)
    driver.execute("BEGIN IMMEDIATE" if writing else "BEGIN")


def init_app(app: Flask) -> None:
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite":
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {
            **options.get("connect_args", {}),
            "factory": DurableCommitConnection,
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    from . import models  # noqa: F401  (register the tables on the metadata)

    @app.before_request
    def _declare_write_intent() -> None:
        _write_intent.set(request.method not in READ_ONLY_METHODS)
