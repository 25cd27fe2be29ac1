"""`flask backup`: taken while the real server (gunicorn) takes a stream of autosaves, the copy
opens cleanly and holds every save acknowledged before the backup began."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from app.demo import DemoTeam
from app.extensions import db
from app.storage.types import utcnow

from ..conftest import make_app
from .autosave_stream import Browser, Stream
from .gunicorn_server import ROOT, GunicornServer, server_environment

# Committed: the backup and the server run in processes of their own.
pytestmark = pytest.mark.committed

MIN_BEFORE = 20  # saves acknowledged before the backup starts
MAX_WAIT_SECONDS = 10.0


def flask_backup(database_url: str, instance_dir: Path, target: Path, *options: str):
    env = server_environment(database_url, instance_dir)
    env["FLASK_APP"] = "app"
    return subprocess.run(
        [sys.executable, "-m", "flask", "backup", str(target), *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_during_autosaves_opens_cleanly_and_holds_every_acknowledged_save(
    app: Flask, demo: DemoTeam, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("flask backup copies SQLite; on PostgreSQL it refuses (tested below)")
    card = demo.opening.candidates[0].loops[0].sessions[0].scorecard
    card_id, start_version = card.id, card.version
    db.session.commit()  # release SQLite's write lock before another process writes
    target = tmp_path / "backup.sqlite3"

    server = GunicornServer(database_url, tmp_path / "instance", workers=2).start()
    try:
        browser = Browser(server.base_url)
        browser.sign_in("priya@example.com")
        stream = Stream(browser, card_id, start_version)
        thread = threading.Thread(target=stream.run, name="autosave-stream", daemon=True)
        started = time.monotonic()
        thread.start()
        while len(stream.acknowledged) < MIN_BEFORE and thread.is_alive():
            assert time.monotonic() - started < MAX_WAIT_SECONDS, "the stream is too slow"
            time.sleep(0.01)
        before = list(stream.acknowledged)  # answered 200 before the backup began

        # Small steps with a pause between them: the copy spans many autosaves.
        result = flask_backup(database_url, tmp_path / "instance", target, "--pages", "4")
        during = len(stream.acknowledged) - len(before)
        assert thread.is_alive(), f"the stream stopped: {stream.ended_by} {stream.unexpected}"
        stream.stop.set()
        thread.join(timeout=15)
    finally:
        server.stop()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "integrity ok" in result.stdout
    assert stream.unexpected == []
    assert during > 0, "no autosave was answered while the backup ran: writers were starved"

    assert not Path(f"{target}-wal").exists()  # one self-contained file
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        notes, version = copy.execute(
            "SELECT stage_notes, version FROM scorecards WHERE id = ?", (card_id,)
        ).fetchone()
    lines = set(json.loads(notes)["experience"].split("\n"))
    missing = [i for i, _ in before if f"line {i}" not in lines]
    assert missing == [], f"{len(missing)} saves acknowledged before the backup are missing"
    assert version >= before[-1][1]


def test_backup_refuses_postgresql_and_points_to_pg_dump(instance_dir: Path, tmp_path) -> None:
    postgres = make_app("postgresql+psycopg://loopkit@127.0.0.1:9/loopkit", instance_dir)
    target = tmp_path / "copy.sqlite3"
    result = postgres.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "pg_dump" in result.output and "SQLite" in result.output
    assert not target.exists()


def test_backup_never_overwrites_a_file(
    app: Flask, database_url: str, instance_dir: Path, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("flask backup copies SQLite; on PostgreSQL it refuses (tested above)")
    target = tmp_path / "earlier-backup.sqlite3"
    target.write_bytes(b"an earlier backup, " + utcnow().isoformat().encode())
    earlier = target.read_bytes()
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert target.read_bytes() == earlier
