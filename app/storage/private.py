"""Keep the app's files (database, WAL, packets, Maildir, secret key) for its own user only.

Interview notes and compensation answers live in these files, so every process that builds the
app (web workers, the scheduler, any `flask` command) creates files 0600 and folders 0700, and
tightens what an older version or another tool left readable. Folders are enough for what is
inside them: nobody else can enter a 0700 folder, so old files within need no walk.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

OWNER_ONLY_UMASK = 0o077


def init_app(app: Flask) -> None:
    os.umask(OWNER_ONLY_UMASK)
    for path in private_paths(app):
        tighten(path)


def private_paths(app: Flask) -> list[Path]:
    instance = Path(app.instance_path)
    paths = [instance, instance / "packets", Path(app.config["MAILDIR"]), instance / "secret_key"]
    database = sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if database is not None:
        paths += [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    return paths


def sqlite_file(uri: str) -> Path | None:
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def tighten(path: Path) -> None:
    """Take group and other permissions off `path`, if it exists and is ours to change."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid != os.geteuid() or not info.st_mode & 0o077:
        return
    path.chmod(stat.S_IMODE(info.st_mode) & 0o700)
