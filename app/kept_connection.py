"""The pooled connection each process keeps checked out for its short writing transactions.

An autosave is one short transaction. Taking its connection from SQLAlchemy's pool and giving
it back (the queue and its lock, a new proxy and its weak reference, the reset's ROLLBACK, the
events) was a sizeable part of the save's own work. A sync gunicorn worker runs one request at
a time, so it keeps one connection for them instead. It still comes from the
pool (its connect events ran, the pool counts it as checked out) and goes back to it when the
engine is disposed or dropped. A thread that finds it in use by another takes a pooled one, as
before; a forked child never uses its parent's.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

from sqlalchemy import Engine, event


class KeptConnection:
    """One engine's kept connection in this process, used by one thread at a time."""

    def __init__(self, engine: Engine) -> None:
        self.pooled = engine.raw_connection()
        self.pool = engine.pool  # a dispose replaces the pool: this connection is then stale
        self.in_use = threading.Lock()
        # Given back when the engine is collected or at exit, not left to the garbage
        # collector (which SQLAlchemy warns about).
        self._give_back = weakref.finalize(engine, _close_for_good, self.pooled)

    def is_current(self, engine: Engine) -> bool:
        return self.pool is engine.pool and self.pooled.is_valid

    def close(self) -> None:
        self._give_back()  # runs once: closing twice is a no-op

    def forget_inherited(self) -> None:
        """In a forked child: never touch the parent's connection, not even to close it."""
        self._give_back.detach()


def _close_for_good(pooled: Any) -> None:
    """Close the DBAPI connection now, then hand its record back. Merely checking it in would
    leave it open in a pool that a dispose has already replaced, until that pool is collected
    (an open SQLite connection keeps its WAL)."""
    try:
        if pooled.is_valid:  # an invalidated one is closed already
            pooled.invalidate()
    finally:
        pooled.close()


_kept: weakref.WeakKeyDictionary[Engine, KeptConnection] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()
_disposal_watched: weakref.WeakSet[Engine] = weakref.WeakSet()
# A forked child's copies of its parent's: referenced for good, so that neither our finalizer
# nor SQLAlchemy's garbage collection of the proxy ever closes or resets them in the child.
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
                    _retire(kept)
                if engine not in _disposal_watched:
                    event.listen(engine, "engine_disposed", _on_engine_disposed)
                    _disposal_watched.add(engine)
                kept = _kept[engine] = KeptConnection(engine)
    if not kept.in_use.acquire(blocking=False):
        return None
    return kept


def give_back(engine: Engine, kept: KeptConnection) -> None:
    """Release the kept connection. One that is no longer current (invalidated by a dead
    server, or its engine disposed meanwhile) goes back to its pool and is forgotten."""
    if not kept.is_current(engine):
        kept.close()
        with _kept_lock:
            if _kept.get(engine) is kept:
                del _kept[engine]
    kept.in_use.release()


def current(engine: Engine) -> Any | None:
    """The DBAPI connection this process keeps for the engine, if any (tests watch it)."""
    kept = _kept.get(engine)
    return kept.pooled.dbapi_connection if kept is not None and kept.is_current(engine) else None


def _retire(kept: KeptConnection) -> None:
    """Close a kept connection nobody holds; one held now is closed by its `give_back`."""
    if kept.in_use.acquire(blocking=False):
        try:
            kept.close()
        finally:
            kept.in_use.release()


def _on_engine_disposed(engine: Engine) -> None:
    with _kept_lock:
        kept = _kept.pop(engine, None)
    if kept is not None:
        _retire(kept)


def _after_fork_in_child() -> None:
    global _kept_lock
    _kept_lock = threading.Lock()  # another thread of the parent may have held it at the fork
    for kept in _kept.values():
        kept.forget_inherited()
        _inherited.append(kept)
    _kept.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
