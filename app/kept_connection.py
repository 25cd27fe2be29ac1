"""The pooled connection each process keeps checked out for its short writing transactions.

An autosave is one short transaction. Taking its connection from SQLAlchemy's pool and giving
it back (the queue and its lock, a new proxy and its weak reference, the reset's ROLLBACK, the
events) was a sizeable part of the save's own work. A sync gunicorn worker runs one request at
a time, so it keeps one connection for them instead. It still comes from the pool (its connect
events ran, the pool counts it as checked out). It is closed for good when its engine is
disposed, when a connection met a dead server, and at exit. A thread that finds it in use by
another takes a pooled one, as before; a forked child never uses its parent's.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

from sqlalchemy import Engine, event


class KeptConnection:
    """One engine's kept connection in this process, held by one thread at a time.

    Whoever comes last of the holder giving it back and a dispose retiring it closes it: both
    decide under `_state`, so it is neither closed in use nor left open."""

    def __init__(self, engine: Engine) -> None:
        self.pooled = engine.raw_connection()
        self.pool = engine.pool  # a dispose replaces the pool: this connection is then stale
        self._state = threading.Lock()
        self._held = self._retired = self._closed = False

    def is_current(self, engine: Engine) -> bool:
        return self.pool is engine.pool and self.pooled.is_valid

    def hold(self, engine: Engine) -> bool:
        with self._state:
            if self._held or self._retired or not self.is_current(engine):
                return False
            self._held = True
            return True

    def release(self, engine: Engine) -> bool:
        """Whether it was closed, being stale (invalidated, or its engine disposed)."""
        with self._state:
            self._held = False
            if not self.is_current(engine):
                self._retired = True
            close = self._retired
        if close:
            self._close()
        return close

    def retire(self) -> None:
        with self._state:
            self._retired = True
            close = not self._held
        if close:
            self._close()

    def forget_inherited(self) -> None:
        """In a forked child: never touch the parent's connection, not even to close it."""
        self._closed = True

    def _close(self) -> None:
        """Close the DBAPI connection now, then hand its record back. Merely checking it in
        would leave it open in a pool that a dispose has already replaced, until that pool is
        collected (an open SQLite connection keeps its WAL)."""
        with self._state:
            if self._closed:
                return
            self._closed = True
        if self.pooled.is_valid:
            self.pooled.invalidate()  # closes it, and checks its record back in
        else:
            self.pooled.close()


_kept: dict[Engine, KeptConnection] = {}  # emptied by disposes; the app's engine lives on
# Reentrant: a checkout made under it can fire the invalidate event, whose listener takes it.
# One factory for the lock of the process and of a forked child, so tests of either see both.
_new_kept_lock = threading.RLock
_kept_lock = _new_kept_lock()
# A forked child's copies of its parent's: referenced for good, so that SQLAlchemy's garbage
# collection of the proxy never resets or closes them in the child.
_inherited: list[KeptConnection] = []


def take(engine: Engine) -> KeptConnection | None:
    """The engine's kept connection, now held by the calling thread until `give_back`; None
    when another thread holds it (the caller then takes one from the pool)."""
    kept = _kept.get(engine)
    if kept is None or not kept.is_current(engine):
        with _kept_lock:
            kept = _kept.get(engine)
            if kept is None or not kept.is_current(engine):
                if kept is not None:
                    kept.retire()
                for name, listener in _LISTENERS:
                    if not event.contains(engine, name, listener):
                        event.listen(engine, name, listener)
                kept = _kept[engine] = KeptConnection(engine)
    return kept if kept.hold(engine) else None


def give_back(engine: Engine, kept: KeptConnection) -> None:
    """Release the kept connection; a stale one is closed and forgotten."""
    if kept.release(engine):
        with _kept_lock:
            if _kept.get(engine) is kept:
                del _kept[engine]


def current(engine: Engine) -> Any | None:
    """The DBAPI connection this process keeps for the engine, if any (tests watch it)."""
    kept = _kept.get(engine)
    return kept.pooled.dbapi_connection if kept is not None and kept.is_current(engine) else None


def _on_engine_disposed(engine: Engine) -> None:
    # The event comes after the new pool is in place: a connection another thread kept from
    # the new pool meanwhile is current and stays.
    with _kept_lock:
        kept = _kept.get(engine)
        if kept is None or kept.pool is engine.pool:
            return
        del _kept[engine]
    kept.retire()


@atexit.register
def _retire_all() -> None:
    """Retire every kept connection of this process: at exit, and when a server went away."""
    with _kept_lock:
        kept = list(_kept.values())
        _kept.clear()
    for connection in kept:
        connection.retire()


def _on_connection_lost(dbapi_connection, record, exception: BaseException | None) -> None:
    # SQLAlchemy invalidates a connection with the error when a query met a dead server, and
    # then replaces every pooled connection older than that at its next checkout. The kept
    # one is never checked out again: retire it too (closed now, or when its holder gives it
    # back), so that the next save needn't fail first. A few other invalidations carry an
    # error too (a broken rollback, an interrupted query), and the event does not name its
    # engine (a process has one, the app's): a needless retirement costs one checkout.
    if exception is None:
        return  # invalidated on purpose (by us, or by a caller's own `invalidate()`)
    _retire_all()


_LISTENERS = (("engine_disposed", _on_engine_disposed), ("invalidate", _on_connection_lost))


def _after_fork_in_child() -> None:
    global _kept_lock
    _kept_lock = _new_kept_lock()  # another thread of the parent may have held it at the fork
    for kept in _kept.values():
        kept.forget_inherited()
        _inherited.append(kept)
    _kept.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
