"""The packet renderer: runs in the scheduler process (or `flask packets render`), never in a
web worker.

It claims requests from the outbox, reads what a loop's packet shows (a short read transaction,
ended before rendering), renders the print template, and hands the HTML to `RenderWorker`: one
long-lived child process with WeasyPrint imported once, at low CPU priority, under a memory
limit, one render at a time. A render that runs past the timeout has its worker killed (the
next render starts a fresh one). Packets land in the on-disk cache; the requests are deleted.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import selectors
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select

from ..debriefs.summary import load_loop
from ..extensions import db
from ..models import Candidate, CandidateStatus
from ..storage.database import reset_write_intent, set_write_intent
from ..storage.types import utcnow
from . import outbox, store
from .content import VARIANTS, competency_names, packet_data, packet_key, static_root

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = "pdf/packet.html"


class RenderError(RuntimeError):
    """The worker could not render (it said why, crashed, or ran out of time)."""


class RenderTimeout(RenderError):
    pass


@dataclass
class WorkerResult:
    pdf: bytes
    pages: int
    seconds: float  # WeasyPrint's own time inside the worker
    refused: list[str]


class RenderWorker:
    """A child process (`python -m app.packets.worker`) that renders HTML to PDF on request."""

    def __init__(self, static_folder: str, timeout: float = 60.0, memory_mb: int = 2048):
        self.static_folder = static_folder
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()
        self._buffer = bytearray()
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self._buffer.clear()
        self.process = subprocess.Popen(  # noqa: S603  (our own module, fixed arguments)
            [
                sys.executable,
                "-m",
                "app.packets.worker",
                self.static_folder,
                str(int(self.memory_mb)),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        self.starts += 1
        try:
            ready = json.loads(self._read_line(time.monotonic() + max(self.timeout, 30.0)))
        except RenderError:
            self.close()
            raise
        if not ready.get("ready"):
            self.close()
            raise RenderError(f"render worker did not start: {ready!r}")

    def render(self, html: str, timeout: float | None = None) -> WorkerResult:
        with self.lock:  # one render at a time
            self.start()
            deadline = time.monotonic() + (timeout or self.timeout)
            body = html.encode("utf-8")
            try:
                self.process.stdin.write(json.dumps({"html_bytes": len(body)}).encode() + b"\n")
                self.process.stdin.write(body)
                self.process.stdin.flush()
                answer = json.loads(self._read_line(deadline))
                if not answer.get("ok"):
                    raise RenderError(answer.get("error") or "render failed")
                pdf = self._read_exact(answer["pdf_bytes"], deadline)
            except RenderTimeout:
                self.close()
                raise
            except (OSError, ValueError) as error:
                self.close()
                raise RenderError(f"render worker failed: {error}") from error
            return WorkerResult(pdf, answer["pages"], answer["seconds"], answer["refused"])

    def close(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        with contextlib.suppress(OSError):
            process.stdout.close()

    # -- reading with a deadline ------------------------------------------------------------

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self._kill()
            raise RenderTimeout(f"render took longer than {self.timeout:g} s; worker killed")
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            if not selector.select(remaining):
                self._kill()
                raise RenderTimeout(f"render took longer than {self.timeout:g} s; worker killed")
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            code = self.process.poll()
            self._kill()
            raise RenderError(f"render worker exited (code {code})")
        self._buffer.extend(chunk)

    def _read_line(self, deadline: float) -> bytes:
        while b"\n" not in self._buffer:
            self._fill(deadline)
        index = self._buffer.index(b"\n")
        line = bytes(self._buffer[:index])
        del self._buffer[: index + 1]
        return line

    def _read_exact(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            self._fill(deadline)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _kill(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=5)
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


_worker: RenderWorker | None = None
_worker_lock = threading.Lock()


def shared_worker() -> RenderWorker:
    """This process's render worker, started at the first render (not at CLI start)."""
    global _worker
    config = current_app.config
    with _worker_lock:
        if _worker is None:
            _worker = RenderWorker(
                static_root(),
                timeout=float(config["PACKET_RENDER_TIMEOUT_SECONDS"]),
                memory_mb=int(config["PACKET_RENDER_MEMORY_MB"]),
            )
            atexit.register(_worker.close)
        return _worker


def lower_thread_priority(niceness: int = 10) -> None:
    """Linux: lower the priority of the calling thread only (the render worker is its own,
    already niced, process; this covers the reading and templating done here)."""
    with contextlib.suppress(AttributeError, OSError):
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(current, niceness))


# -- the pipeline ---------------------------------------------------------------------------


@dataclass
class Rendered:
    loop_id: int
    variant: str
    key: str
    pages: int
    seconds: float  # the whole packet: read, template, render, store
    weasyprint_seconds: float


@dataclass
class RenderReport:
    rendered: list[Rendered] = field(default_factory=list)
    fresh: list[tuple[int, str]] = field(default_factory=list)  # already cached
    failed: list[tuple[int, str]] = field(default_factory=list)  # (loop id, error)


@contextlib.contextmanager
def _intent(writes: bool):
    token = set_write_intent(writes)
    try:
        yield
    finally:
        reset_write_intent(token)


def packet_html(data: dict, created: str) -> str:
    return render_template(TEMPLATE, p=data, created=created)


def render_loop(
    loop_id: int,
    names: dict[str, str],
    worker: RenderWorker,
    report: RenderReport,
    variants: tuple[str, ...] = VARIANTS,
) -> None:
    """Render whichever variants of the loop's packet are not cached yet, one at a time."""
    started = time.perf_counter()
    with _intent(False):  # a plain read: never hold SQLite's write lock through a render
        loop = load_loop(loop_id)
        if loop is None:
            db.session.rollback()
            return
        candidate_id = loop.candidate_id
        if loop.candidate.status == CandidateStatus.ERASED:
            db.session.rollback()
            store.delete_candidate(candidate_id)
            return
        created = utcnow().isoformat(timespec="seconds")
        todo = []
        for variant in variants:
            data = packet_data(loop, variant, names)
            key = packet_key(data)
            if store.exists(candidate_id, key):
                report.fresh.append((loop_id, variant))
                continue
            todo.append((variant, key, packet_html(data, created)))
        db.session.rollback()  # end the read transaction before the slow part
    prepared = time.perf_counter() - started
    for variant, key, html in todo:
        begun = time.perf_counter()
        result = worker.render(html)
        store.write(
            candidate_id,
            key,
            result.pdf,
            {
                "loop_id": loop_id,
                "variant": variant,
                "pages": result.pages,
                "rendered_at": created,
                "bytes": len(result.pdf),
                "refused_urls": result.refused,
            },
        )
        store.prune(candidate_id, loop_id, variant, keep=key)
        seconds = time.perf_counter() - begun + prepared / max(len(todo), 1)
        report.rendered.append(
            Rendered(loop_id, variant, key, result.pages, seconds, result.seconds)
        )
    if todo and _erased_meanwhile(candidate_id):
        # Erased while we rendered: the erasure may have cleared the folder before our write.
        # Checking after writing closes the race (either it sees our file or we see it).
        store.delete_candidate(candidate_id)


def _erased_meanwhile(candidate_id: int) -> bool:
    with _intent(False):
        status = db.session.execute(
            select(Candidate.status).where(Candidate.id == candidate_id)
        ).scalar_one_or_none()
        db.session.rollback()
    return status in (None, CandidateStatus.ERASED)


def render_requested(
    stop: threading.Event | None = None, worker: RenderWorker | None = None
) -> RenderReport:
    """Render every requested packet now, loop by loop; returns what happened. Needs an app
    context; commits."""
    worker = worker or shared_worker()
    report = RenderReport()
    while not (stop and stop.is_set()):
        with _intent(True):
            claim = outbox.claim_next()
        if claim is None:
            break
        try:
            with _intent(False):
                names = competency_names()
            render_loop(claim.loop_id, names, worker, report)
        except Exception as error:  # noqa: BLE001  (hand the request back and go on)
            db.session.rollback()
            log.exception("packet of loop %s not rendered", claim.loop_id)
            report.failed.append((claim.loop_id, f"{type(error).__name__}: {error}"))
            with _intent(True):
                outbox.fail(claim, f"{type(error).__name__}: {error}")
            continue
        with _intent(True):
            outbox.finish(claim)
    return report
