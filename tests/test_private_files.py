"""The database, its WAL, packets, the Maildir and the secret key are for the app's user only,
whichever process creates them, and loose ones left from before are tightened."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.notify.transports import MaildirTransport
from app.packets import store

PROJECT = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """The umask most shells start with; restored afterwards."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def flask(instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOPKIT_")}
    env.pop("DATABASE_URL", None)
    env.update(FLASK_APP="app", LOOPKIT_INSTANCE_PATH=str(instance))
    return subprocess.run(  # noqa: S603  (our own venv's flask)
        [str(Path(sys.executable).with_name("flask")), *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_flask_command_creates_the_database_for_its_user_only(tmp_path, loose_umask) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("k" * 64 + "\n")
    result = flask(instance, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert mode(instance) == 0o700
    assert mode(instance / "loopkit.sqlite3") == 0o600
    assert mode(instance / "secret_key") == 0o600


def test_the_app_writes_owner_only_files(tmp_path, loose_umask, monkeypatch) -> None:
    instance = tmp_path / "instance"
    monkeypatch.setenv("LOOPKIT_INSTANCE_PATH", str(instance))
    instance.mkdir()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/loopkit.sqlite3",
            "MAILDIR": str(instance / "mail"),
        }
    )
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (body TEXT)"))
            connection.execute(text("INSERT INTO notes VALUES ('compensation: 120k')"))
        database = instance / "loopkit.sqlite3"
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert mode(path) == 0o600, path
        written = store.write(7, "a" * 64, b"%PDF-1.7 test", {"pages": 1})
        assert mode(store.root()) == 0o700 and mode(written.parent) == 0o700
        assert mode(written) == 0o600
        assert {mode(p) for p in written.parent.iterdir()} == {0o600}
        db.engine.dispose()
    message = EmailMessage()
    message["To"], message["Subject"] = "a@example.com", "Debrief"
    message.set_content("hello")
    MaildirTransport(instance / "mail").send(message)
    folders = [instance / "mail", *[instance / "mail" / n for n in ("new", "cur", "tmp")]]
    assert {mode(p) for p in folders} == {0o700}
    assert {mode(p) for p in (instance / "mail" / "new").iterdir()} == {0o600}


def test_loose_files_from_before_are_tightened(tmp_path, loose_umask, monkeypatch) -> None:
    instance = tmp_path / "instance"
    monkeypatch.setenv("LOOPKIT_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (instance / "packets" / "3").mkdir(parents=True)
    (instance / "mail").mkdir()
    database = instance / "loopkit.sqlite3"
    for path in (database, Path(f"{database}-wal"), instance / "secret_key"):
        path.write_text("old")
        path.chmod(0o644)
    for folder in (instance, instance / "packets", instance / "mail"):
        folder.chmod(0o755)
    create_app({"TESTING": True, "SECRET_KEY": "x", "MAILDIR": str(instance / "mail")})
    assert mode(database) == mode(Path(f"{database}-wal")) == 0o600
    assert mode(instance / "secret_key") == 0o600
    assert {mode(p) for p in (instance, instance / "packets", instance / "mail")} == {0o700}
