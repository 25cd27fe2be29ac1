"""SQLite connections whose commit returns only once the transaction is on disk, with the
disk flush taken after SQLite's write lock is released.

With `synchronous=FULL`, SQLite flushes the write-ahead log inside the commit, while it still
holds the database's single write lock: every other writer waits out each flush. Under a
burst of autosaves that left about a fifth of the CPU idle (bench/autosave.py). Here the
connection runs with `synchronous=NORMAL`, so SQLite appends the transaction to the WAL and
releases the lock without flushing, and `commit()` then flushes the WAL itself before it
returns. A commit that has returned is as durable as under FULL (power loss included); the
writers behind it no longer wait for the disk, and flushes that overlap are merged by the
file system. Checkpoints flush the WAL before copying it, as under FULL.

The flush is `fdatasync`, which is what SQLite itself calls on Linux: it writes the WAL's data
and the size needed to read it back, but not its modification time, whose journal commit a
full `fsync` paid for on every save (5% of autosave's throughput, bench/compare_autosave.py).

Writers that ask for a turn (`take_writing_turn`, autosave's short transactions) also queue
for SQLite's write lock in the kernel, on a lock file beside the database, instead of in
SQLite's busy handler. That handler sleeps and polls (1, 2, 5, 10 ms...): under a burst, the
lock sat free while its waiters slept, and each failed attempt cost a wake-up. A waiting
writer now sleeps until the turn is free and is woken then. SQLite's own lock still guards
every write; writers that take no turn (the ORM's, the scheduler's) contend for it as before.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from contextvars import ContextVar

# Whether this thread holds a turn: a second one taken on another connection would wait
# for the first forever.
_turn_held: ContextVar[bool] = ContextVar("loopkit_writing_turn_held", default=False)


def _open_turns(database: str) -> int | None:
    """The lock file writers queue on, beside the database, with the database file's owner
    and mode (as SQLite gives its -wal and -shm files), so that whoever connects first (a
    `flask` command run as root, say) does not lock the app's own user out of it. None when
    it cannot be opened: writers then wait in SQLite's busy handler alone, as before."""
    path = f"{database}-writers"
    try:
        turns = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        try:
            owner = os.stat(database)
            os.fchmod(turns, owner.st_mode & 0o666)
            if os.geteuid() == 0:
                os.fchown(turns, owner.st_uid, owner.st_gid)
        except OSError:
            pass  # the lock file still works for this user
        return turns
    for flags in (os.O_RDWR, os.O_RDONLY):  # a lock can be taken on a read-only file too
        try:
            return os.open(path, flags | os.O_CLOEXEC)
        except OSError:
            continue
    return None


def _data_sync(fd: int) -> None:
    """fdatasync where the platform has it (Linux does; macOS's Python does not)."""
    getattr(os, "fdatasync", os.fsync)(fd)


class DurableCommitConnection(sqlite3.Connection):
    """Pass as `factory=` to `sqlite3.connect`; `database.py` does, for the app's engine."""

    wal_path: str | None = None  # None: an in-memory or temporary database, nothing to flush
    _changes_at_begin: int | None = None  # None: a transaction began outside `began()`
    _began_writing = True
    # The WAL, opened at this connection's first flush and kept until it closes: SQLite removes
    # the WAL only when the last connection to the database closes, so while this one is open
    # the descriptor is the live WAL's.
    _wal: int | None = None
    _turns: int | None = None  # the lock file's descriptor; None: nothing to queue on
    _has_turn = False

    def prepare(self) -> None:
        """Run once, after connecting: NORMAL (the flush is ours), where the WAL lives, and
        the lock file writers queue on (opened per connection: a lock is held per open file,
        so two connections of one process exclude each other too)."""
        self.execute("PRAGMA synchronous=NORMAL")
        main = next(row for row in self.execute("PRAGMA database_list") if row[1] == "main")
        self.wal_path = f"{main[2]}-wal" if main[2] else None
        if main[2]:
            self._turns = _open_turns(main[2])

    def take_writing_turn(self) -> None:
        """Wait until no other connection that took a turn is writing, then hold the turn
        until this transaction commits or rolls back. Call before BEGIN IMMEDIATE; never
        while this thread holds a turn on another connection (that wait would never end)."""
        if self._turns is None or self._has_turn:
            return
        if _turn_held.get():
            raise RuntimeError("this thread already holds a writing turn on another connection")
        self._has_turn = True  # first: whatever interrupts the wait, ending the turn is safe
        _turn_held.set(True)
        fcntl.flock(self._turns, fcntl.LOCK_EX)

    def _end_turn(self) -> None:
        if self._has_turn:
            self._has_turn = False
            _turn_held.set(False)
            fcntl.flock(self._turns, fcntl.LOCK_UN)

    def began(self, writing: bool) -> None:
        """Note how the transaction now beginning started, to know later if it wrote."""
        self._changes_at_begin, self._began_writing = self.total_changes, writing

    def commit(self) -> None:
        wrote = self.in_transaction and (
            self._began_writing
            or self._changes_at_begin is None
            or self.total_changes != self._changes_at_begin
        )
        try:
            super().commit()
        finally:
            self._end_turn()  # before the flush: the next writer need not wait for the disk
        self._changes_at_begin, self._began_writing = None, True
        if wrote and self.wal_path:
            self._flush_wal()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()
        self._changes_at_begin, self._began_writing = None, True

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()
            self._close_files()

    def __del__(self) -> None:  # a connection dropped unclosed must not leak its files
        try:  # noqa: SIM105  (at interpreter exit, contextlib may already be gone)
            self._close_files()
        except (OSError, TypeError):  # already closed; or modules torn down at exit
            pass

    def _close_files(self) -> None:
        turns, self._turns, self._has_turn = self._turns, None, False
        wal, self._wal = self._wal, None
        try:
            if turns is not None:
                # Unlocked explicitly: closing frees the lock only if no forked child shares it.
                fcntl.flock(turns, fcntl.LOCK_UN)
                os.close(turns)
        finally:
            if wal is not None:
                os.close(wal)

    def _flush_wal(self) -> None:
        if self._wal is not None:
            _data_sync(self._wal)
            return
        try:
            wal = os.open(self.wal_path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return  # checkpointed and removed: the database file has it, flushed by the checkpoint
        self._wal = wal
        _data_sync(wal)
        # A WAL file this connection has not flushed before may be new: its directory entry
        # must reach the disk too, or a power loss could drop the whole file.
        directory = os.open(os.path.dirname(self.wal_path) or ".", os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
