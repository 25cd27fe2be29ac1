"""The outbox under faults: short leases stamped from the database's clock at each claim and
renewed while sending, a crash that costs its small batch seconds, and permanent SMTP refusals
that fail at once, saying why. Real SMTP server on loopback, real database, real processes."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from app.config import Defaults
from app.extensions import db
from app.models import Reminder
from app.notify.dispatcher import BATCH, MAX_ATTEMPTS, dispatch_due
from app.notify.outbox import queue_mail

from .conftest import Inbox, SmtpServer
from .test_processes import flask_process, queue_due, run_scheduler_until, sent_count


def _database_clock(connection) -> datetime:
    if connection.dialect.name == "postgresql":
        return connection.execute(text("SELECT clock_timestamp()")).scalar_one().astimezone(UTC)
    raw = connection.execute(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).scalar_one()
    return datetime.fromisoformat(raw).replace(tzinfo=UTC)


def _leases(connection) -> list[tuple[int, datetime | None, str | None]]:
    table = Reminder.__table__
    return list(
        connection.execute(
            select(table.c.id, table.c.lease_until, table.c.lease_token).where(
                table.c.status == "sending"
            )
        )
    )


class Refusing(Inbox):
    """Refuses some recipients with the answers given (address prefix -> SMTP answer)."""

    def __init__(self, answers: dict[str, str]):
        super().__init__()
        self.answers = answers

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for prefix, answer in self.answers.items():
            if address.startswith(prefix):
                return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_permanent_refusal_fails_at_once_and_says_why(app, demo) -> None:
    inbox = Refusing(
        {"priya@": "550 5.1.1 <priya@example.com>: no such user", "tomas@": "451 4.3.0 busy"}
    )
    server = SmtpServer(inbox)
    server.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False)
    try:
        loop = demo.opening.candidates[0].loops[0]
        rows = {
            who: queue_mail("ready_for_debrief", demo.users[who], f"refuse.{who}", loop=loop)
            for who in ("priya", "tomas", "manager")
        }
        db.session.commit()
        report = dispatch_due()
    finally:
        server.stop()
    db.session.expire_all()
    priya, tomas, manager = (db.session.get(Reminder, rows[w].id) for w in rows)
    assert report.failed == [priya.id] and report.retrying == [tomas.id]
    assert manager.status == "sent"
    # 550: failed after one attempt, not retried for an hour; the server's code and words kept.
    assert priya.status == "failed" and priya.attempts == 1 < MAX_ATTEMPTS
    assert priya.retry_at is None
    assert "550" in priya.last_error and "no such user" in priya.last_error
    assert "not retried" in priya.last_error
    # 451: temporary, retried with backoff.
    assert tomas.status == "pending" and tomas.retry_at is not None
    assert "451" in tomas.last_error and "busy" in tomas.last_error

    # Shown where failed mail is shown: the loop's page.
    from ..conftest import sign_in

    client = app.test_client()
    sign_in(client, "coordinator@example.com")
    page = client.get(f"/loops/{loop.id}").get_data(as_text=True)
    assert "550 5.1.1" in page and "no such user" in page


class LeaseWatcher(Inbox):
    """Slow SMTP server that looks, as each mail arrives and again when it has taken its time,
    at the mail's row: is it still leased to its sender, in the database's own clock, so that
    no other dispatcher could take it over meanwhile?"""

    def __init__(self, database_url: str, delay: float):
        super().__init__()
        self.engine = create_engine(database_url, poolclass=NullPool)
        self.delay = delay
        self.seen: list[tuple[str, datetime, datetime, str]] = []

    def look(self, key: str) -> None:
        with self.engine.connect() as connection:
            now = _database_clock(connection)
            table = Reminder.__table__
            until, token = connection.execute(
                select(table.c.lease_until, table.c.lease_token).where(table.c.dedupe_key == key)
            ).one()
        self.seen.append((key, now, until, token))

    async def handle_DATA(self, server, session, envelope):
        key = next(
            line.split(b":", 1)[1].strip().decode().strip("<>").split("@")[0]
            for line in envelope.content.split(b"\r\n")
            if line.lower().startswith(b"message-id:")
        )
        self.look(key)
        time.sleep(self.delay)
        self.look(key)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.committed
def test_leases_are_short_taken_at_each_claim_and_renewed_while_sending(
    app, demo, database_url
) -> None:
    """Three batches, each mail slower than the whole lease: every mail is still held by its
    sender when the server accepts it, and no lease reaches further than one lease ahead."""
    lease = 1.0
    watcher = LeaseWatcher(database_url, delay=2.5 * lease)
    server = SmtpServer(watcher)
    server.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_STARTTLS=False,
        OUTBOX_LEASE_SECONDS=lease,
    )
    try:
        queue_due(demo, 3)
        report = dispatch_due(limit=1)
    finally:
        server.stop()
        watcher.engine.dispose()
    assert len(report.sent) == 3
    assert len(watcher.seen) == 6
    for key, now, until, _token in watcher.seen:
        assert until is not None and until > now, f"{key}: lease expired while sending"
        assert until - now <= timedelta(seconds=lease), f"{key}: lease longer than {lease} s"
    by_key: dict[str, set[str]] = {}
    for key, _now, _until, token in watcher.seen:
        by_key.setdefault(key, set()).add(token)
    assert all(len(tokens) == 1 for tokens in by_key.values()), "a lease was taken over"


@pytest.mark.committed
def test_a_crash_holds_only_a_small_batch_and_only_for_seconds(
    app, demo, database_url, instance_dir
) -> None:
    inbox = Inbox(delay=0.2)
    server = SmtpServer(inbox)
    server.start()
    settings = {"LOOPKIT_OUTBOX_LEASE_SECONDS": "2"}
    due = 40
    queue_due(demo, due)
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        first = flask_process(
            database_url, instance_dir, server.port, "scheduler", "run", settings=settings
        )
        try:
            inbox.wait_for(3)
        finally:
            first.send_signal(signal.SIGKILL)  # mid-batch, mid-send
            first.communicate(timeout=30)
        # The mails on the wire when it died still arrive: one per connection it had open,
        # which this server takes one after another.
        time.sleep((Defaults.OUTBOX_SMTP_CONNECTIONS + 1) * inbox.delay)
        killed_at = len(inbox.received)
        with engine.connect() as connection:
            now = _database_clock(connection)
            held = _leases(connection)
        # What the dead process still holds: one small batch, for a couple of seconds.
        assert 0 < len(held) <= BATCH
        assert all(until - now <= timedelta(seconds=2) for _, until, _ in held)

        run_scheduler_until(
            database_url, instance_dir, server.port, lambda: sent_count() >= due, settings
        )
    finally:
        server.stop()
        engine.dispose()
    assert sent_count() == due
    ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(ids) == due, "nothing lost"
    # A duplicate only for a mail the dead process had handed to the server before dying.
    before_kill = {m["Message-ID"] for m in inbox.messages[:killed_at]}
    duplicates = {k for k, v in ids.items() if v > 1}
    assert duplicates <= before_kill
