"""Short writing transactions run on the one connection a process keeps, on both databases;
a second thread, a disposed engine, a dead connection and a forked child each get another."""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Callable

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import DisconnectionError

from app import kept_connection
from app.driver_sql import writing_transaction
from app.extensions import db
from app.kept_connection import KeptConnection
from app.models import User

FIRST_USER = select(User.id).order_by(User.id).limit(1).scalar_subquery()


def rename_first_user(name: str) -> object:
    """A short write; returns the DBAPI connection it ran on."""
    with writing_transaction(db.engine) as connection:
        connection.rowcount(update(User).where(User.id == FIRST_USER).values(name=name), {})
        return connection.cursor.connection


def first_user_name() -> str:
    db.session.expire_all()
    name = db.session.scalar(select(User.name).order_by(User.id).limit(1))
    db.session.commit()  # no read transaction left open for the writes that follow
    return name


@pytest.fixture
def checkouts(app, demo) -> list[object]:
    """The DBAPI connections taken from the engine's pool from now on."""
    db.session.commit()
    taken: list[object] = []

    def checkout(dbapi_connection, record, proxy) -> None:
        taken.append(dbapi_connection)

    event.listen(db.engine, "checkout", checkout)
    yield taken
    event.remove(db.engine, "checkout", checkout)


def test_writes_on_one_thread_share_one_connection_taken_once(checkouts) -> None:
    used = [rename_first_user(f"Writer {n}") for n in range(3)]
    assert used[0] is used[1] is used[2]
    assert len(checkouts) == 1, "each write took a connection from the pool again"
    assert first_user_name() == "Writer 2"
    assert db.engine.pool.checkedout() == 1, "the kept connection is counted as checked out"


def test_while_the_kept_connection_is_held_a_write_takes_a_pooled_one(checkouts) -> None:
    kept_dbapi = rename_first_user("On the kept one")
    held = kept_connection.take(db.engine)  # as another thread in the middle of its write
    assert held is not None and held.pooled.dbapi_connection is kept_dbapi
    try:
        assert kept_connection.take(db.engine) is None
        other = rename_first_user("On a pooled one")
    finally:
        kept_connection.give_back(db.engine, held)
    assert other is not kept_dbapi
    assert first_user_name() == "On a pooled one"
    assert db.engine.pool.checkedout() == 1, "the pooled connection was not given back"
    assert rename_first_user("Kept again") is kept_dbapi


def test_disposing_the_engine_closes_the_kept_connection(checkouts) -> None:
    kept_dbapi = rename_first_user("Before the dispose")
    db.engine.dispose()
    assert kept_connection.current(db.engine) is None
    with pytest.raises(Exception, match="(?i)closed"):
        kept_dbapi.cursor().execute("SELECT 1")
    assert rename_first_user("After the dispose") is not kept_dbapi
    assert first_user_name() == "After the dispose"


def test_a_kept_connection_held_through_a_dispose_is_closed_when_given_back(checkouts) -> None:
    kept_dbapi = rename_first_user("Before the dispose")
    held = kept_connection.take(db.engine)  # another thread, in the middle of its write
    db.engine.dispose()
    kept_dbapi.cursor().execute("SELECT 1")  # the holder's write goes on meanwhile
    kept_connection.give_back(db.engine, held)
    with pytest.raises(Exception, match="(?i)closed"):
        kept_dbapi.cursor().execute("SELECT 1")
    assert rename_first_user("After the dispose") is not kept_dbapi


def test_a_dispose_between_finding_and_holding_the_kept_connection(checkouts, monkeypatch):
    kept_dbapi = rename_first_user("Before the dispose")
    real_hold = KeptConnection.hold

    def disposed_just_before(self, engine) -> bool:
        monkeypatch.setattr(KeptConnection, "hold", real_hold)
        db.engine.dispose()  # another thread, between this one's lookup and its hold
        return real_hold(self, engine)

    monkeypatch.setattr(KeptConnection, "hold", disposed_just_before)
    assert rename_first_user("During the dispose") is not kept_dbapi
    assert first_user_name() == "During the dispose"
    with pytest.raises(Exception, match="(?i)closed"):
        kept_dbapi.cursor().execute("SELECT 1")


def test_a_connection_kept_from_the_new_pool_during_a_dispose_is_not_closed(app, demo) -> None:
    """Another thread may keep one from the new pool before the dispose event arrives."""
    db.session.commit()
    kept_during: list[object] = []

    @event.listens_for(db.engine, "engine_disposed")  # registered before the kept's own
    def write_meanwhile(engine) -> None:
        kept_during.append(rename_first_user("Kept from the new pool"))

    rename_first_user("Before the dispose")
    db.engine.dispose()
    event.remove(db.engine, "engine_disposed", write_meanwhile)
    assert rename_first_user("After the dispose") is kept_during[0]


def test_an_invalidated_kept_connection_is_replaced(checkouts) -> None:
    kept_dbapi = rename_first_user("Before")
    held = kept_connection.take(db.engine)
    held.pooled.invalidate()  # what a write does when the server has gone away
    kept_connection.give_back(db.engine, held)
    assert kept_connection.current(db.engine) is None
    assert rename_first_user("After") is not kept_dbapi
    assert first_user_name() == "After"


def exit_status_of_child(body: Callable[[], int], what_hung: str) -> int:
    """Run `body` in a forked child and return the status it exits with (1: it raised). A
    child that hangs is killed and the test fails, so the hang stays in the child and does
    not hold a lock for the rest of the suite."""
    child = os.fork()
    if child == 0:  # the child: report through the exit status only
        status = 1
        try:
            status = body()
        finally:
            os._exit(status)
    deadline = time.monotonic() + 30
    while (finished := os.waitpid(child, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    if finished == (0, 0):
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        pytest.fail(f"{what_hung} hung")
    return os.waitstatus_to_exitcode(finished[1])


def test_a_checkout_that_finds_a_dead_connection_while_keeping_one_does_not_hang(
    checkouts,
) -> None:
    """A checkout listener (or pool_pre_ping) that finds the connection dead invalidates it
    with the error, and SQLAlchemy checks out another: this happens while the kept
    connection is being taken, under the registry's lock, which the invalidate listener
    takes too."""
    rename_first_user("Before")

    def write_after_a_dead_checkout() -> int:
        db.engine.dispose(close=False)  # the parent's connections stay the parent's
        refused = []

        def found_dead_once(dbapi_connection, record, proxy) -> None:
            if not refused:
                refused.append(dbapi_connection)
                raise DisconnectionError("the server went away")

        event.listen(db.engine, "checkout", found_dead_once)
        wrote_on = rename_first_user("After")
        return 0 if refused and wrote_on is not refused[0] else 2

    status = exit_status_of_child(write_after_a_dead_checkout, "the write taking the kept one")
    assert status == 0
    assert first_user_name() == "After"


def test_a_forked_child_writes_on_its_own_connection_and_leaves_the_parents_alone(
    checkouts,
) -> None:
    parent_dbapi = rename_first_user("Parent, before the fork")
    parents = kept_connection.take(db.engine)
    kept_connection.give_back(db.engine, parents)

    def write_in_the_child() -> int:
        offered = kept_connection.current(db.engine)
        # What a forked process does first with SQLAlchemy: drop the inherited pool
        # without closing its connections, which are the parent's.
        db.engine.dispose(close=False)
        wrote_on = rename_first_user("Child")
        gc.collect()
        kept_connection._retire_all()  # what the child's exit runs
        if offered is not None:
            return 2  # the parent's connection was still offered
        if wrote_on is parent_dbapi:
            return 3
        if not parents.pooled.is_valid:
            return 4  # the child closed its copy of the parent's connection
        return 0

    assert exit_status_of_child(write_in_the_child, "the child's write") == 0
    assert first_user_name() == "Child"
    assert rename_first_user("Parent, after the child") is parent_dbapi
    assert first_user_name() == "Parent, after the child"
