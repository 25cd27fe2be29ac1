"""A real SMTP server on loopback (aiosmtpd) that records what it accepts."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """Every message the server accepted, parsed, with its envelope recipients."""

    def __init__(self, delay: float = 0.0, concurrent: bool = False):
        self.received: list[tuple[list[str], Message, float]] = []
        self.delay = delay
        # A server that takes several conversations at once (each waits its delay while the
        # others go on), counting the most under way together; else one at a time.
        self.concurrent = concurrent
        self.under_way = self.most_at_once = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay and self.concurrent:
            self.under_way += 1
            self.most_at_once = max(self.most_at_once, self.under_way)
            await asyncio.sleep(self.delay)
            self.under_way -= 1
        elif self.delay:
            time.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message, time.time()))
        return "250 Message accepted"

    @property
    def messages(self) -> list[Message]:
        with self.lock:
            return [m for _, m, _ in self.received]

    def by_subject(self, fragment: str) -> list[Message]:
        return [m for m in self.messages if fragment in m["Subject"]]

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.received) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.received)}")


class SmtpServer:
    def __init__(self, inbox: Inbox):
        self.inbox = inbox
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    server = SmtpServer(inbox)
    server.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_STARTTLS=False,
        BASE_URL="https://hiring.example.com",
    )
    yield server
    server.stop()
