"""A real HTTP receiver on loopback that records what arrives, and can be down or slow."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def signature_is_valid(secret: str, headers, body: bytes, now: float | None = None) -> bool:
    """The receiver's check, as the README tells receivers to write it."""
    timestamp = headers["Loopkit-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    fresh = abs((now or time.time()) - int(timestamp)) <= 300
    return fresh and hmac.compare_digest(headers["Loopkit-Signature"], "v1=" + expected)


class Receiver:
    """Answers `status` to each POST after `delay` seconds; `received` holds (headers, body).
    `port` 0 takes a free one; a given one brings a receiver back where one was."""

    def __init__(self, status: int = 200, delay: float = 0.0, port: int = 0) -> None:
        self.status = status
        self.delay = delay
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(outer.delay)
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(b"thanks" if outer.status < 300 else b"not today")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/loopkit"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def payloads(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def local_hooks(app):
    """Receivers on this machine are allowed (they never are in production)."""
    app.config["WEBHOOK_ALLOW_LOCAL"] = True
    return app
