"""Fixtures: a real database (a SQLite file, or PostgreSQL when LOOPKIT_TEST_DATABASE_URL is
set), migrated once per pytest-xdist worker.

Most tests run inside one outer transaction that is rolled back at their end: the app's
session joins it (`join_transaction_mode="create_savepoint"`, as PyPI's Warehouse suite does),
so a view's commit releases a savepoint and nothing reaches the database for real. A test whose
data another thread or process must read (a live server, the scheduler, a backup) is marked
`committed`: it gets its own copy of the migrated database (a file copy on SQLite, a
`TEMPLATE` database on PostgreSQL) and real commits.

SQLite files live in memory-backed /dev/shm where there is one: the app still asks for
`synchronous=FULL`, but a flush costs nothing there. Tests about durability itself put their
database on disk (`disk_database`).
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from app.config import normalise_database_url
from app.demo import DEMO_PASSWORD, DemoTeam, seed_demo
from app.extensions import db
from app.library.store import load_library
from app.storage.database import reset_write_intent, set_write_intent

from .identity_provider import IdentityProvider, identity_provider

ROOT = Path(__file__).resolve().parent.parent
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so it gets its own app context (its own `g`, DB
    session and signed-in user) even while the test holds one open, as a real server would."""

    def open(self, *args, **kwargs):
        if has_app_context() and db.session.registry.has() and db.session().in_transaction():
            # The test's own work is done before the request starts, as a test against a
            # server would have it: inside the rolled-back transaction, this also keeps the
            # request's savepoint from nesting inside the test's (whose rollback would undo it).
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, instance_dir: Path, **overrides) -> Flask:
    os.environ["LOOPKIT_INSTANCE_PATH"] = str(instance_dir)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAILDIR": str(instance_dir / "mail"),
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


def _scratch_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shm = Path("/dev/shm")  # noqa: S108  (this worker's own folder inside it)
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = shm / f"loopkit-tests-{os.getpid()}"
        folder.mkdir(exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("db")


@dataclass
class TestDatabases:
    """This worker's databases: the migrated one kept as it is, the working copy in-process
    tests roll back on, and fresh copies of the first for committed tests."""

    ready: str
    working: str
    folder: Path
    _counter = itertools.count()

    @property
    def is_postgres(self) -> bool:
        return make_url(self.ready).get_backend_name() == "postgresql"

    def copy(self) -> str:
        n = next(self._counter)
        if self.is_postgres:
            name = f"{make_url(self.ready).database}_copy{n}"
            _pg_admin(
                self.ready, f'CREATE DATABASE "{name}" TEMPLATE "{make_url(self.ready).database}"'
            )
            return make_url(self.ready).set(database=name).render_as_string(hide_password=False)
        path = self.folder / f"copy{n}.sqlite3"
        shutil.copyfile(_sqlite_file(self.ready), path)
        return "sqlite:///" + str(path)

    def drop(self, url: str) -> None:
        if self.is_postgres:
            name = make_url(url).database
            _pg_admin(self.ready, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        for suffix in ("", "-wal", "-shm"):
            Path(_sqlite_file(url) + suffix).unlink(missing_ok=True)


def _sqlite_file(url: str) -> str:
    return make_url(url).database


def _pg_admin(url: str, statement: str) -> None:
    """Run a statement outside any transaction on the server's `postgres` database."""
    engine = create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _migrate(url: str, instance_dir: Path) -> None:
    app = make_app(url, instance_dir)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def databases(
    tmp_path_factory: pytest.TempPathFactory, instance_dir: Path
) -> Iterator[TestDatabases]:
    """Migrate once per worker, then copy."""
    server = os.environ.get("LOOPKIT_TEST_DATABASE_URL")
    folder = _scratch_root(tmp_path_factory)
    if server:
        base = make_url(normalise_database_url(server))
        ready_name, working_name = f"loopkit_{WORKER}_ready", f"loopkit_{WORKER}_working"
        for name in (working_name, ready_name):
            _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(server, f'CREATE DATABASE "{ready_name}"')
        ready = base.set(database=ready_name).render_as_string(hide_password=False)
        _migrate(ready, instance_dir)
        _pg_admin(server, f'CREATE DATABASE "{working_name}" TEMPLATE "{ready_name}"')
        working = base.set(database=working_name).render_as_string(hide_password=False)
    else:
        ready = "sqlite:///" + str(folder / "ready.sqlite3")
        _migrate(ready, instance_dir)
        with sqlite3.connect(_sqlite_file(ready)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # one self-contained file
        working = "sqlite:///" + str(folder / "working.sqlite3")
        shutil.copyfile(_sqlite_file(ready), _sqlite_file(working))
    databases = TestDatabases(ready, working, folder)
    yield databases
    if folder.is_relative_to("/dev/shm"):  # noqa: S108
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(app: Flask) -> str:
    """The URL of the database this test's app runs on (for a process started beside it)."""
    return app.config["SQLALCHEMY_DATABASE_URI"]


# The connection a rolled-back test runs on (for savepoints of its own).
TEST_CONNECTION = pytest.StashKey[Connection]()


@contextmanager
def rolled_back() -> Iterator[Connection]:
    """Everything the app's session does in this block happens inside one transaction that is
    rolled back at its end; commits release savepoints."""
    connection = db.engine.connect()
    outer = connection.begin()
    factory = db.session.session_factory
    configured = dict(factory.kw)
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield connection
    finally:
        db.session.remove()
        factory.kw.clear()
        factory.kw.update(configured)
        outer.rollback()
        connection.close()


@pytest.fixture
def app(request: pytest.FixtureRequest, databases: TestDatabases, instance_dir: Path):
    """The app on this worker's database, in a rolled-back transaction; on a copy of its own,
    committed for real, when the test is marked `committed`."""
    committed = request.node.get_closest_marker("committed") is not None
    url = databases.copy() if committed else databases.working
    app = make_app(url, instance_dir)
    # The test itself reads with deferred transactions: an IMMEDIATE one left open between
    # requests would hold SQLite's write lock against the requests it is testing.
    intent = set_write_intent(committed is False)
    try:
        with app.app_context():
            if committed:
                yield app
                db.session.remove()
            else:
                with rolled_back() as connection:
                    request.node.stash[TEST_CONNECTION] = connection
                    yield app
            db.engine.dispose()
    finally:
        reset_write_intent(intent)
        if committed:
            databases.drop(url)


@pytest.fixture
def disk_database(tmp_path: Path, databases: TestDatabases) -> str:
    """A copy of the migrated database on a real disk, where fsync is real (SQLite), for tests
    about durability; the PostgreSQL copy is as usual."""
    if databases.is_postgres:
        url = databases.copy()
        yield url
        databases.drop(url)
        return
    path = tmp_path / "durable.sqlite3"
    shutil.copyfile(_sqlite_file(databases.ready), path)
    yield "sqlite:///" + str(path)


@pytest.fixture(scope="session")
def provider() -> Iterator[IdentityProvider]:
    """This worker's OpenID provider on loopback, shared by its single sign-on tests."""
    with identity_provider() as running:
        yield running


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def library(app: Flask):
    report = load_library(app.config["RUBRICS_DIR"])
    db.session.commit()
    assert not report.problems, report.problems
    return report


@pytest.fixture
def demo(app: Flask, library) -> DemoTeam:
    team = seed_demo(datetime.now(UTC))
    db.session.commit()
    return team


CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD, **extra):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, **extra}
    )


@pytest.fixture
def sign_in_as(client: FlaskClient):
    def _sign_in(email: str, password: str = DEMO_PASSWORD) -> FlaskClient:
        response = sign_in(client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _sign_in


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0

    @property
    def count(self) -> int:
        return len(self.statements)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")


@pytest.fixture
def count_statements(app: Flask):
    """Count SQL statements sent while the context is open (`with count_statements() as c`),
    and the commits: of the outer transaction, or (inside the test's rolled-back one) of the
    savepoints that stand in for them."""

    @contextmanager
    def _count() -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def _before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
                counter.statements.append(statement)

        def _commit(conn, *savepoint):
            counter.commits += 1

        listeners = [("before_cursor_execute", _before), ("commit", _commit)]
        listeners.append(("release_savepoint", _commit))
        for name, listener in listeners:
            event.listen(db.engine, name, listener)
        try:
            yield counter
        finally:
            for name, listener in listeners:
                event.remove(db.engine, name, listener)

    return _count


@pytest.fixture
def priya_card(demo: DemoTeam):
    """Priya's draft scorecard for today's demo interview (staged-45, three backend focuses)."""
    return demo.opening.candidates[0].loops[0].sessions[0].scorecard


@pytest.fixture
def tomas_card(demo: DemoTeam):
    """Tomás's draft scorecard for tomorrow's system-design interview."""
    return demo.opening.candidates[0].loops[0].sessions[1].scorecard
