"""The render worker: a long-lived child process of the renderer with WeasyPrint imported once.

    python -m app.packets.worker STATIC_ROOT MEMORY_MB

It runs at low CPU priority (nice 10) under an address-space limit, reads requests from stdin
and answers on stdout, one render at a time:

    request:  {"html_bytes": N}\\n  then N bytes of UTF-8 HTML
    answer:   {"ok": true, "pages": P, "seconds": S, "pdf_bytes": M, "refused": [...]}\\n + M bytes
              {"ok": false, "error": "..."}\\n

It exits when stdin closes (its parent is gone), so it never outlives the renderer. The parent
(`RenderWorker` in renderer.py) bounds each render in time by killing the worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sys

NICENESS = 10


def _lower_priority(memory_mb: int) -> None:
    with contextlib.suppress(OSError):  # not permitted: run at normal priority
        os.nice(NICENESS)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _read_exact(stream, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError
    return data


def main(argv: list[str]) -> int:
    static_root, memory_mb = argv[1], int(argv[2])
    # Ctrl-C in a terminal goes to the whole process group: the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns the real stdout; anything printed (warnings, logs) goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    source = sys.stdin.buffer
    _lower_priority(memory_mb)

    # Here, not at the top: WeasyPrint (and Pango) load only once this process has lowered
    # its priority and capped its memory, and never in a process that merely imports this.
    from .pdf import render_pdf

    render_pdf("<p>warm-up</p>", static_root)  # load Pango and the fonts before the first packet
    out.write(b'{"ready": true}\n')
    out.flush()
    while True:
        line = source.readline()
        if not line:
            return 0
        try:
            header = json.loads(line)
            html = _read_exact(source, int(header["html_bytes"])).decode("utf-8")
        except (EOFError, ValueError, KeyError):
            return 1
        try:
            result = render_pdf(html, static_root)
        except MemoryError:
            answer, body = {"ok": False, "error": "out of memory"}, b""
        except Exception as error:  # noqa: BLE001  (report it; the parent decides)
            answer, body = {"ok": False, "error": f"{type(error).__name__}: {error}"[:500]}, b""
        else:
            answer = {
                "ok": True,
                "pages": result.pages,
                "seconds": result.seconds,
                "pdf_bytes": len(result.pdf),
                "refused": result.refused[:20],
            }
            body = result.pdf
        out.write(json.dumps(answer).encode() + b"\n" + body)
        out.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
