"""Core statements run straight on the database driver's connection, for the hottest write.

Autosave is the app's most frequent request. Through SQLAlchemy's `Connection`, every
statement pays again for its cache key, an execution context, a result object and the
connection's own transaction bookkeeping: most of a save's database time. Here a statement is
compiled once per dialect, and its parameters and rows pass through the column types' own
processors, so the values are the ones SQLAlchemy itself would bind and return.

SQLAlchemy's execute events do not see these statements, and driver errors arrive unwrapped
(`sqlite3.OperationalError`, not SQLAlchemy's): tests count statements at the driver
(`tests/driver_statements.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable, Select

from . import kept_connection
from .database import begin_on_driver


class CompiledStatement:
    """A statement in the SQL of one dialect, with how to bind its parameters and read its
    rows."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.escaped_bind_names:  # our parameter names are plain identifiers
            raise ValueError(f"parameter names need escaping: {compiled.escaped_bind_names}")
        if any(bind.expanding or bind.literal_execute for bind in compiled.binds.values()):
            raise ValueError("lists rendered at execution (IN with a list) are not supported")
        if compiled.insert_prefetch or compiled.update_prefetch:
            # Python-side defaults are computed by SQLAlchemy's execution, which is skipped here.
            missing = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise ValueError(f"give these columns a value, their defaults are not run: {missing}")
        self.sql = compiled.string
        # Values written into the statement itself (`column == "draft"`) bind as given.
        self.fixed = {
            name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
        }
        self.positions = tuple(compiled.positiontup) if compiled.positional else None
        self.bind_processors = {
            name: processor
            for name, parameter in compiled.binds.items()
            if (processor := parameter.type.dialect_impl(dialect).bind_processor(dialect))
        }
        columns = statement.selected_columns if isinstance(statement, Select) else ()
        self.columns = tuple(
            (column.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in columns
        )

    def parameters(self, values: dict[str, Any]) -> tuple | dict[str, Any]:
        processors = self.bind_processors
        if self.fixed:
            values = {**self.fixed, **values}
        bound = {
            name: processors[name](value) if name in processors else value
            for name, value in values.items()
        }
        if self.positions is None:
            return bound
        return tuple(bound[name] for name in self.positions)

    def row(self, values: tuple) -> dict[str, Any]:
        return {
            key: value if processor is None else processor(value)
            for (key, processor), value in zip(self.columns, values, strict=True)
        }


# Per dialect (one per engine), forgotten with its engine; statements are module-level
# constants or cached per shape, so each is compiled once per process.
_COMPILED: WeakKeyDictionary[Dialect, dict[Executable, CompiledStatement]] = WeakKeyDictionary()


class DriverConnection:
    """Runs Core statements on a DBAPI connection, inside whatever transaction it is in."""

    def __init__(self, dbapi_connection: Any, dialect: Dialect) -> None:
        self.dialect = dialect
        self.cursor = dbapi_connection.cursor()
        compiled = _COMPILED.get(dialect)
        if compiled is None:
            compiled = _COMPILED[dialect] = {}
        self.compiled = compiled  # this dialect's statements, looked up once per connection

    def _run(self, statement: Executable, values: dict[str, Any]) -> CompiledStatement:
        compiled = self.compiled.get(statement)
        if compiled is None:
            compiled = self.compiled[statement] = CompiledStatement(statement, self.dialect)
        self.cursor.execute(compiled.sql, compiled.parameters(values))
        return compiled

    def first(self, statement: Executable, values: dict[str, Any]) -> dict[str, Any] | None:
        """The first row as {column key: value}, or None."""
        compiled = self._run(statement, values)
        row = self.cursor.fetchone()
        return None if row is None else compiled.row(row)

    def scalar(self, statement: Executable, values: dict[str, Any]) -> Any:
        """The first column of the first row, or None."""
        row = self.first(statement, values)
        return None if row is None else next(iter(row.values()))

    def rowcount(self, statement: Executable, values: dict[str, Any]) -> int:
        """Run a write; how many rows it matched."""
        self._run(statement, values)
        return self.cursor.rowcount


def within(connection: Connection) -> DriverConnection:
    """The driver connection under a SQLAlchemy connection, in its transaction (which its
    owner commits): for a save that is one step of a larger unit of work."""
    return DriverConnection(connection.connection.dbapi_connection, connection.dialect)


@contextmanager
def writing_transaction(engine: Engine) -> Iterator[DriverConnection]:
    """A short writing transaction on this process's kept connection (`kept_connection`), or
    on a pooled one while another thread uses that: committed when the block ends normally,
    rolled back when it raises."""
    kept = kept_connection.take(engine)
    pooled = kept.pooled if kept is not None else engine.raw_connection()
    driver = pooled.dbapi_connection
    try:
        begin_on_driver(driver, writing=True, take_turn=True)
        yield DriverConnection(driver, engine.dialect)
        driver.commit()
    except Exception as error:
        if engine.dialect.is_disconnect(error, driver, None):
            # The server went away (a restart, a failover): this connection is dead, and the
            # pool's idle ones most likely too. Drop them all, as SQLAlchemy itself would.
            pooled.invalidate(error)
            engine.dispose()
        else:
            _roll_back(pooled)
        raise
    except BaseException:
        _roll_back(pooled)
        raise
    finally:
        if kept is not None:
            kept_connection.give_back(engine, kept)
        else:
            pooled.close()  # back to the pool


def _roll_back(pooled) -> None:
    try:
        pooled.rollback()
    except Exception as error:  # a broken connection: the pool must not hand it out again
        pooled.invalidate(error)
