"""Deliver due reminders exactly once where a mail system allows it.

A run claims due rows by taking a lease (`status='sending'`, `lease_until`, `lease_token`) in
one conditional UPDATE (with FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serialises writers),
commits, sends, then marks each row sent under its lease token. Two dispatchers never claim
the same row; a dispatcher that dies mid-run leaves leases that expire and are retried. The one
duplicate no mail system can prevent (the process dying after the SMTP server accepted a mail
and before the row was marked) carries the same Message-ID, so it is recognisable.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import InterviewSession, Loop, Reminder, ReminderStatus
from ..storage.types import utcnow
from .messages import build_message
from .transports import Transport, transport_from_config

log = logging.getLogger(__name__)

# Five attempts over about an hour: waits of 1, 5, 15 and 40 minutes between them.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=40))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=2)
BATCH = 50


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def claim_due(now: datetime, limit: int = BATCH, lease: timedelta = LEASE) -> tuple[str, list[int]]:
    """Take the lease on up to `limit` due reminders; commits. Returns (token, ids)."""
    token = uuid.uuid4().hex
    is_due = or_(
        and_(
            Reminder.status == ReminderStatus.PENDING,
            Reminder.due_at <= now,
            or_(Reminder.retry_at.is_(None), Reminder.retry_at <= now),
        ),
        and_(Reminder.status == ReminderStatus.SENDING, Reminder.lease_until < now),
    )
    candidates = select(Reminder.id).where(is_due).order_by(Reminder.due_at, Reminder.id)
    candidates = candidates.limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = (
        db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(candidates.scalar_subquery()))
            .values(
                status=ReminderStatus.SENDING,
                lease_until=now + lease,
                lease_token=token,
                attempts=Reminder.attempts + 1,
            )
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return token, sorted(ids)


def _finish(ids: list[int], token: str, **values) -> list[int]:
    """Update claimed rows, releasing their lease, but only those we still hold under `token`;
    commits. Returns the ids it changed."""
    changed = (
        db.session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(ids),
                Reminder.lease_token == token,
                Reminder.status == ReminderStatus.SENDING,
            )
            .values(lease_until=None, lease_token=None, **values)
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return sorted(changed)


def dispatch_due(
    now: datetime | None = None,
    transport: Transport | None = None,
    limit: int = BATCH,
    stop: threading.Event | None = None,
) -> DispatchReport:
    """Send everything due at `now` (default: the real time), batch by batch. When `stop` is
    set, finish the mail in hand, hand back the rest of the batch and return."""
    now = now or utcnow()
    own_transport = transport is None
    transport = transport or transport_from_config(current_app.config)
    report = DispatchReport()
    marks = _SentMarks(report)
    try:
        while not (stop and stop.is_set()):
            token, ids = claim_due(now, limit)
            if not ids:
                break
            prepared = _prepare(_load(ids), ids)
            for index, (reminder_id, attempts, message) in enumerate(prepared):
                if stop and stop.is_set():
                    marks.flush()
                    _release(ids[index:], token)
                    return report
                if _deliver(reminder_id, attempts, message, token, now, transport, report):
                    marks.add(reminder_id, token)
            marks.flush()
            if len(ids) < limit:
                break
    finally:
        marks.flush()
        if own_transport:
            transport.close()
    return report


class _SentMarks:
    """Marks accepted mails sent, a few at a time.

    A commit per mail costs more than building and sending it; grouping the marks (at most
    GROUP mails or GROUP_SECONDS) keeps a burst on time. The price is bounded and visible: a
    process that dies before a group is committed resends at most that group, each mail with
    its original Message-ID, which is the one duplicate the outbox cannot rule out anyway.
    """

    GROUP = 20
    GROUP_SECONDS = 0.25

    def __init__(self, report: DispatchReport):
        self.report = report
        self.pending: dict[str, list[int]] = {}
        self.since = 0.0

    def add(self, reminder_id: int, token: str) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.setdefault(token, []).append(reminder_id)
        waiting = sum(len(ids) for ids in self.pending.values())
        if waiting >= self.GROUP or time.monotonic() - self.since >= self.GROUP_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        sent_at = utcnow()
        for token, ids in self.pending.items():
            marked = _finish(
                ids, token, status=ReminderStatus.SENT, sent_at=sent_at, last_error=None
            )
            self.report.sent.extend(marked)
            for lost in sorted(set(ids) - set(marked)):
                # Our lease expired and another dispatcher took the row over: it marks it.
                log.warning("reminder %s sent but its lease had been taken over", lost)
        self.pending = {}


def _release(ids: list[int], token: str) -> None:
    """Give back claimed rows we will not send now, so a restart needn't wait for the lease."""
    _finish(ids, token, status=ReminderStatus.PENDING, attempts=Reminder.attempts - 1)


def _load(ids: list[int]) -> dict[int, Reminder]:
    """The claimed reminders with everything their mails show, in one query."""
    rows = (
        db.session.execute(
            select(Reminder)
            .options(
                joinedload(Reminder.recipient),
                joinedload(Reminder.loop).options(
                    joinedload(Loop.candidate), joinedload(Loop.opening), joinedload(Loop.debrief)
                ),
                joinedload(Reminder.session).options(
                    joinedload(InterviewSession.interviewer), joinedload(InterviewSession.script)
                ),
            )
            .where(Reminder.id.in_(ids))
        )
        .unique()
        .scalars()
    )
    return {row.id: row for row in rows}


def _prepare(batch: dict[int, Reminder], ids: list[int]):
    """Build every mail of the batch while its rows are loaded, then end the read: each send
    is followed by its own commit, which would otherwise expire and reload rows one by one."""
    prepared = []
    for reminder_id in ids:
        reminder = batch[reminder_id]
        try:
            message: Message | Exception = build_message(reminder, current_app.config)
        except Exception as error:  # noqa: BLE001  (a broken mail is retried, not fatal)
            message = error
        prepared.append((reminder_id, reminder.attempts, message))
    db.session.commit()
    return prepared


def _deliver(
    reminder_id: int,
    attempts: int,
    message: Message | Exception,
    token: str,
    now: datetime,
    transport: Transport,
    report: DispatchReport,
) -> bool:
    """Send one mail; True when the SMTP server (or Maildir) accepted it."""
    try:
        if isinstance(message, Exception):
            raise message
        transport.send(message)
    except Exception as error:  # noqa: BLE001  (any failure: keep the row, retry later)
        detail = f"{type(error).__name__}: {error}"[:500]
        if attempts >= MAX_ATTEMPTS:
            _finish([reminder_id], token, status=ReminderStatus.FAILED, last_error=detail)
            report.failed.append(reminder_id)
            log.error(
                "reminder %s failed for good after %s attempts: %s", reminder_id, attempts, detail
            )
        else:
            _finish(
                [reminder_id],
                token,
                status=ReminderStatus.PENDING,
                last_error=detail,
                retry_at=now + BACKOFF[attempts - 1],
            )
            report.retrying.append(reminder_id)
            log.warning(
                "reminder %s attempt %s failed, will retry: %s", reminder_id, attempts, detail
            )
        return False
    return True
