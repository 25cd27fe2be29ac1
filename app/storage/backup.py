"""`flask backup PATH`: a consistent copy of the SQLite database while the app keeps running.

SQLite's online backup API copies the database page by page, a few hundred pages per step with
a short sleep between steps, so a long copy never holds the database for long. When another
connection writes between two steps, SQLite restarts the copy; under a steady stream of
autosaves a page-wise copy of a big file may keep restarting, so after a few restarts the rest
is copied in one step: in WAL mode (ours) that is one read transaction, which sees one
consistent snapshot and does not block writers either. The copy is written beside the target
and renamed into place only once complete and checked, in rollback-journal mode so that it is
one self-contained file.

PostgreSQL is backed up with its own tools (pg_dump); the command says so and refuses.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

PAGES_PER_STEP = 256
SLEEP_SECONDS = 0.005
MAX_RESTARTS = 3


class BackupError(RuntimeError):
    """The backup was not made; the message says why and what to do."""


@dataclass
class BackupReport:
    path: Path
    pages: int
    steps: int
    restarts: int
    one_step_finish: bool
    seconds: float
    integrity: str


class _KeepsRestarting(Exception):
    pass


def sqlite_path(database_uri: str) -> Path:
    """The database file of a SQLite URL; refuses anything else with what to use instead."""
    url = make_url(database_uri)
    if url.get_backend_name() == "postgresql":
        raise BackupError(
            "flask backup copies SQLite databases only. Back up PostgreSQL with pg_dump, for "
            'example: pg_dump --format=custom --file=loopkit.dump "$DATABASE_URL" '
            "(restore with pg_restore), or with your provider's snapshots."
        )
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"flask backup copies SQLite databases, not {url.get_backend_name()}.")
    if not url.database or url.database == ":memory:":
        raise BackupError("The database is in memory: there is no file to back up.")
    return Path(url.database)


def backup_sqlite(
    source: Path,
    target: Path,
    pages: int = PAGES_PER_STEP,
    sleep: float = SLEEP_SECONDS,
    max_restarts: int = MAX_RESTARTS,
) -> BackupReport:
    if not source.is_file():
        raise BackupError(f"No database at {source}.")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new path (nothing is overwritten).")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    started = time.monotonic()
    progress_state = {"steps": 0, "restarts": 0, "remaining": None, "pages": 0}

    def progress(_status: int, remaining: int, total: int) -> None:
        progress_state["steps"] += 1
        progress_state["pages"] = total
        last = progress_state["remaining"]
        if last is not None and remaining > last:  # a writer got in: SQLite started over
            progress_state["restarts"] += 1
            if progress_state["restarts"] > max_restarts:
                raise _KeepsRestarting
        progress_state["remaining"] = remaining
        if remaining:
            # Python sleeps between steps only when SQLite answered busy: pause here, so the
            # copy's read lock is let go between steps and writers get their turn.
            time.sleep(sleep)

    one_step = False
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.execute("PRAGMA busy_timeout=30000")
            try:
                src.backup(dst, pages=pages, progress=progress, sleep=sleep)
            except _KeepsRestarting:
                one_step = True
                src.backup(dst, pages=-1)
            # One file, no -wal beside it: the copy is a plain database.
            dst.execute("PRAGMA journal_mode=DELETE")
            integrity = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if integrity != "ok":
                raise BackupError(f"The copy failed its integrity check: {integrity}")
            pages_copied = dst.execute("PRAGMA page_count").fetchone()[0]
        with open(partial, "rb") as copy:
            os.fsync(copy.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(
        target,
        pages_copied,
        progress_state["steps"],
        progress_state["restarts"],
        one_step,
        time.monotonic() - started,
        integrity,
    )


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pages", type=click.IntRange(min=1), default=PAGES_PER_STEP, show_default=True)
@click.option("--sleep", type=click.FloatRange(min=0), default=SLEEP_SECONDS, show_default=True)
@with_appcontext
def backup_command(path: Path, pages: int, sleep: float) -> None:
    """Copy the SQLite database to PATH while the app runs (PostgreSQL: use pg_dump)."""
    try:
        source = sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
        report = backup_sqlite(source, path, pages=pages, sleep=sleep)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    how = (
        f"{report.restarts} restarts by writers, finished in one step"
        if report.one_step_finish
        else f"{report.steps} steps, {report.restarts} restarts"
    )
    click.echo(
        f"Backed up {source} to {report.path}: {report.pages} pages ({how}) in "
        f"{report.seconds:.2f} s; integrity {report.integrity}."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
