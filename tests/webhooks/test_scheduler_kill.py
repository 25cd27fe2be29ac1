"""The scheduler process killed mid-send: nothing is lost, and only what was on the wire at
the kill may arrive twice (with its event id, for the receiver to drop)."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ReminderStatus, WebhookDelivery, WebhookEvent
from app.webhooks.endpoints import add_endpoint
from app.webhooks.events import queue_event

from ..notify.test_processes import flask_process, run_scheduler_until
from .conftest import Receiver

DUE = 25
SETTINGS = {"LOOPKIT_WEBHOOK_ALLOW_LOCAL": "true", "LOOPKIT_WEBHOOK_LEASE_SECONDS": "2"}


def _sent() -> int:
    db.session.remove()
    return db.session.execute(
        select(func.count(WebhookDelivery.id)).where(WebhookDelivery.status == ReminderStatus.SENT)
    ).scalar_one()


@pytest.mark.committed
def test_a_killed_scheduler_loses_nothing_and_repeats_only_what_was_in_flight(
    app, demo, database_url, instance_dir
) -> None:
    app.config["WEBHOOK_ALLOW_LOCAL"] = True
    receiver = Receiver(delay=0.2)
    try:
        add_endpoint(demo.users["admin"], receiver.url, [WebhookEvent.LOOP_CONFIRMED])
        for n in range(DUE):
            queue_event(WebhookEvent.LOOP_CONFIRMED, f"loop.confirmed:kill-{n}", {"n": n})
        db.session.commit()
        first = flask_process(database_url, instance_dir, 0, "scheduler", "run", settings=SETTINGS)
        try:
            deadline = time.time() + 60
            while len(receiver.received) < 3 and time.time() < deadline:
                time.sleep(0.05)
        finally:
            first.send_signal(signal.SIGKILL)  # mid-batch, mid-send
            first.communicate(timeout=30)
        time.sleep(2 * receiver.delay)  # what was on the wire lands
        arrived_before = {h["Loopkit-Event-Id"] for h, _ in receiver.received}
        assert 0 < len(arrived_before) < DUE, "the kill came mid-run"

        run_scheduler_until(database_url, instance_dir, 0, lambda: _sent() >= DUE, SETTINGS)
    finally:
        receiver.stop()
    assert _sent() == DUE
    seen = Counter(h["Loopkit-Event-Id"] for h, _ in receiver.received)
    assert len(seen) == DUE, "nothing lost"
    twice = {key for key, count in seen.items() if count > 1}
    assert len(twice) <= 1 and twice <= arrived_before, (
        "only the one delivery on the wire at the kill may come again"
    )
