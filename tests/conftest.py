"""Fixtures: a real database (SQLite file, or PostgreSQL when LOOPKIT_TEST_DATABASE_URL is set),
built by the Alembic migrations, emptied between tests."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from app import create_app
from app.config import normalise_database_url
from app.database import reset_write_intent, set_write_intent
from app.demo import DEMO_PASSWORD, DemoTeam, seed_demo
from app.extensions import db
from app.library.store import load_library

from .driver_statements import watching_driver

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LOOPKIT_TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "loopkit-test.sqlite3")


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so it gets its own app context (its own `g`, DB
    session and signed-in user) even while the test holds one open, as a real server would."""

    def open(self, *args, **kwargs):
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


@pytest.fixture(scope="session")
def _schema(database_url: str, instance_dir: Path) -> None:
    """Build the schema once per run through the migrations, as a deploy would."""
    app = make_app(database_url, instance_dir)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_schema, database_url: str, instance_dir: Path) -> Iterator[Flask]:
    app = make_app(database_url, instance_dir)
    # The test itself reads with deferred transactions: an IMMEDIATE one left open between
    # requests would hold SQLite's write lock against the requests it is testing.
    intent = set_write_intent(False)
    with app.app_context():
        yield app
        reset_write_intent(intent)
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


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


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


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

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(app: Flask):
    """Count SQL statements sent while the context is open (`with count_statements() as c`)."""

    @contextmanager
    def _count() -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def _before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", _before)

    return _count


@pytest.fixture
def count_driver_statements(app: Flask):
    """Count what reaches the driver while the context is open, whether or not it went
    through SQLAlchemy (`app/driver_sql.py` does not)."""
    return lambda: watching_driver(db.engine)


@pytest.fixture
def priya_card(demo: DemoTeam):
    """Priya's draft scorecard for today's demo interview (staged-45, three backend focuses)."""
    return demo.opening.candidates[0].loops[0].sessions[0].scorecard


@pytest.fixture
def tomas_card(demo: DemoTeam):
    """Tomás's draft scorecard for tomorrow's system-design interview."""
    return demo.opening.candidates[0].loops[0].sessions[1].scorecard
