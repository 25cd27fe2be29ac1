"""Run the real app under gunicorn, as production does, for tests and benchmarks.

Plain helpers, not fixtures:

    server = GunicornServer(database_url, instance_dir, workers=2).start()
    try:
        ...  # talk to server.base_url
    finally:
        server.stop()  # SIGTERM, then wait; or server.kill_hard() for SIGKILL to the group

The server runs in its own process group (start_new_session), so kill_hard() takes the master
and all its workers down at once: a crash of the whole server. (The kernel keeps what was
written, so this is not a power-loss test.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import gunicorn.config

_HAS_CONTROL_SOCKET = hasattr(gunicorn.config, "ControlSocketDisable")
ROOT = Path(__file__).resolve().parent.parent.parent
TEST_SECRET_KEY = "gunicorn-test-secret-key-not-for-production"
APP_SPEC = "app:create_app()"
HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """gunicorn did not come up (or misbehaved); the message carries its stderr."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def sqlite_url(path: Path | str) -> str:
    """`sqlite:////abs/path` for a database file."""
    return "sqlite:///" + str(Path(path).resolve())


def server_environment(database_url: str, instance_dir: Path | str) -> dict[str, str]:
    """The caller's environment minus any Loopkit settings, plus the ones the server needs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LOOPKIT_") and key != "DATABASE_URL"
    }
    env.update(
        LOOPKIT_SECRET_KEY=TEST_SECRET_KEY,
        LOOPKIT_INSTANCE_PATH=str(instance_dir),
        DATABASE_URL=database_url,
    )
    return env


class GunicornServer:
    """gunicorn serving `app:create_app()` on a free loopback port, in its own process group."""

    _log_counter = 0

    def __init__(
        self,
        database_url: str,
        instance_dir: Path | str,
        *,
        workers: int = 2,
        worker_class: str | None = None,  # e.g. "gthread"
        threads: int | None = None,  # e.g. 4 with gthread
        extra_args: Sequence[str] = (),
        env: dict[str, str] | None = None,  # extra settings, e.g. {"LOOPKIT_...": "..."}
        port: int | None = None,
        startup_timeout: float = 20.0,
        checkout: Path | str = ROOT,  # whose app/ to serve (benchmarks compare checkouts)
    ) -> None:
        self.database_url = database_url
        self.instance_dir = Path(instance_dir)
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.port = port
        self.startup_timeout = startup_timeout
        self.checkout = Path(checkout)
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    # -- what callers use -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server is not started"
        return self.process.pid

    def command(self) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--graceful-timeout",
            "5",
        ]
        if self.worker_class:
            args += ["--worker-class", self.worker_class]
        if self.threads:
            args += ["--threads", str(self.threads)]
        if _HAS_CONTROL_SOCKET:
            # gunicorn >= 25.1 opens a control socket at one fixed path per user by default;
            # servers running side by side (tests, benchmarks) must not fight over it.
            args.append("--no-control-socket")
        return [*args, *self.extra_args, APP_SPEC]

    def start(self) -> GunicornServer:
        """Start gunicorn and wait until GET /health answers 200."""
        if self.process is not None:
            raise ServerError("already started")
        if self.port is None:
            self.port = free_port()
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        GunicornServer._log_counter += 1
        self.log_path = self.instance_dir / (
            f"gunicorn-{os.getpid()}-{GunicornServer._log_counter}-{self.port}.log"
        )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.checkout,
                env={**server_environment(self.database_url, self.instance_dir), **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_healthy()
        except BaseException:
            self.kill_hard()
            raise
        return self

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (gunicorn's graceful shutdown), wait; SIGKILL the group if that is too slow."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        return self.kill_hard()

    def kill_hard(self) -> int | None:
        """SIGKILL the whole process group (master and workers), then reap the master."""
        if self.process is None:
            return None
        with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        code = self.process.wait(timeout=15)
        self._wait_for_group_to_die()
        return code

    def output(self) -> str:
        """What gunicorn wrote so far (its log goes to stderr, merged with stdout)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------------

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last_problem = "no answer yet"
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise ServerError(
                    f"gunicorn exited with code {code} before answering /health.\n"
                    f"command: {' '.join(self.command())}\n--- gunicorn output ---\n"
                    f"{self.output()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        json.load(response)
                        return
                    last_problem = f"HTTP {response.status}"
            except urllib.error.HTTPError as error:
                last_problem = f"HTTP {error.code}: {error.read()[:200]!r}"
            except (OSError, ValueError) as error:
                last_problem = f"{type(error).__name__}: {error}"
            time.sleep(0.05)
        raise ServerError(
            f"gunicorn did not answer GET /health with 200 within {self.startup_timeout:.0f} s "
            f"(last: {last_problem}).\ncommand: {' '.join(self.command())}\n"
            f"--- gunicorn output ---\n{self.output()}"
        )

    def _wait_for_group_to_die(self, timeout: float = 5.0) -> None:
        """Workers are reparented when the master dies: wait until none of the group still
        runs (zombies waiting for a reaper do not count; they run no code)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _live_members(self.process.pid):
            time.sleep(0.02)


def _live_members(group: int) -> list[int]:
    """Processes of this process group that are not zombies (Linux /proc; [] elsewhere)."""
    live = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == group and fields[0] not in ("Z", "X"):
            live.append(int(entry.name))
    return live
