"""Deliver due reminders exactly once where a mail system allows it.

A run claims a small batch of due rows by taking a lease (`status='sending'`, `lease_until`,
`lease_token`) in one conditional UPDATE (with FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
serialises writers), commits, sends, then marks each row sent under its lease token. Leases
are short and stamped from the database's clock at each claim, and renewed while the batch is
being sent (also while one slow SMTP conversation is under way), so two dispatchers never
claim the same row, and a dispatcher that dies mid-run costs its batch seconds, not minutes.
The one duplicate no mail system can prevent (the process dying after the SMTP server accepted
a mail and before the row was marked) carries the same Message-ID, so it is recognisable.

A permanent refusal (SMTP 5xx for this mail) fails the delivery at once, saying why; anything
else is retried with backoff, timed from the database's clock at the failure.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message

from flask import current_app
from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import InterviewSession, Loop, Reminder, ReminderStatus
from .messages import build_message
from .transports import SmtpTransport, Transport, describe_failure, transport_from_config

log = logging.getLogger(__name__)

# Five attempts over about an hour: waits of 1, 5, 15 and 40 minutes between them.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=40))
MAX_ATTEMPTS = len(BACKOFF) + 1
# Short, and renewed every fifth of it while sending: a crash holds its batch this long at most.
LEASE = timedelta(seconds=15)
# Small: what a crash delays (and what a crash mid-send may resend) is one batch.
BATCH = 10


def database_now() -> datetime:
    """The database server's clock (aware UTC): the one clock every dispatcher shares."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(text("SELECT clock_timestamp()")).scalar_one().astimezone(UTC)
    raw = db.session.execute(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).scalar_one()
    return datetime.fromisoformat(raw).replace(tzinfo=UTC)


def lease_from_config(config) -> timedelta:
    """LOOPKIT_OUTBOX_LEASE_SECONDS, else LEASE."""
    seconds = config.get("OUTBOX_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else LEASE


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


class _Clock:
    """The run's times, read from the database at each use. Given `as_of` (tests, "pretend the
    run started then"), what is due and when to retry follow that time moved on by the real
    time elapsed since; leases always run on the database's real clock: they are about live
    processes."""

    def __init__(self, as_of: datetime | None):
        self.offset = (as_of - database_now()) if as_of is not None else timedelta(0)

    def due_time(self, real: datetime) -> datetime:
        return real + self.offset


def claim_due(
    limit: int = BATCH, lease: timedelta = LEASE, clock: _Clock | None = None
) -> tuple[str, list[int]]:
    """Take the lease on up to `limit` due reminders, stamped from the database's clock now;
    commits. Returns (token, ids)."""
    token = uuid.uuid4().hex
    real = database_now()  # on SQLite inside BEGIN IMMEDIATE: the claim comes right after
    now = (clock or _Clock(None)).due_time(real)
    is_due = or_(
        and_(
            Reminder.status == ReminderStatus.PENDING,
            Reminder.due_at <= now,
            or_(Reminder.retry_at.is_(None), Reminder.retry_at <= now),
        ),
        and_(Reminder.status == ReminderStatus.SENDING, Reminder.lease_until < real),
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
                lease_until=real + lease,
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


class _Lease:
    """The batch a run holds: renewed from the database's clock every fifth of the lease."""

    def __init__(self, token: str, ids: list[int], length: timedelta):
        self.token, self.held, self.length = token, set(ids), length
        self.every = length.total_seconds() / 5
        self.renewed = time.monotonic()

    def renew_if_due(self) -> None:
        if time.monotonic() - self.renewed >= self.every:
            self.renew()

    def renew(self) -> None:
        real = database_now()
        held = (
            db.session.execute(
                update(Reminder)
                .where(
                    Reminder.lease_token == self.token, Reminder.status == ReminderStatus.SENDING
                )
                .values(lease_until=real + self.length)
                .returning(Reminder.id)
                .execution_options(synchronize_session=False)
            )
            .scalars()
            .all()
        )
        db.session.commit()
        self.renewed = time.monotonic()
        lost = self.held - set(held)
        self.held = set(held)
        if lost:
            log.debug("lease %s no longer holds %s (sent or taken over)", self.token, sorted(lost))


class _Sender:
    """Sends on threads of their own, over `len(transports)` connections at once, so the run's
    thread (which owns the database session) renews the lease and hands on the next mail
    while slow SMTP conversations take their time."""

    def __init__(self, transports: list[Transport]):
        self.transports = transports
        self.width = len(transports)
        self.idle: queue.SimpleQueue[Transport] = queue.SimpleQueue()
        for transport in transports:
            self.idle.put(transport)
        self.pool = ThreadPoolExecutor(max_workers=self.width, thread_name_prefix="outbox-send")

    def submit(self, message: Message) -> Future:
        return self.pool.submit(self._send, message)

    def _send(self, message: Message) -> None:
        transport = self.idle.get()
        try:
            transport.send(message)
        finally:
            self.idle.put(transport)

    def close(self, transports_too: bool) -> None:
        self.pool.shutdown(wait=True)
        if transports_too:
            for transport in self.transports:
                transport.close()


def _transports(config) -> list[Transport]:
    """One transport, or for SMTP as many connections as OUTBOX_SMTP_CONNECTIONS (each opens
    only when first used)."""
    first = transport_from_config(config)
    if not isinstance(first, SmtpTransport):
        return [first]  # a Maildir is written one mail at a time
    width = max(1, int(config.get("OUTBOX_SMTP_CONNECTIONS", 1)))
    return [first] + [transport_from_config(config) for _ in range(width - 1)]


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
    """Send everything due (as of `now`, default the database's clock), batch by batch. When
    `stop` is set, finish the mail in hand, hand back the rest of the batch and return."""
    clock = _Clock(now)
    db.session.commit()  # end the clock's read: each claim is a transaction of its own
    lease_length = lease_from_config(current_app.config)
    own_transport = transport is None
    sender = _Sender(_transports(current_app.config) if own_transport else [transport])
    report = DispatchReport()
    marks = _SentMarks(report)
    try:
        while not (stop and stop.is_set()):
            token, ids = claim_due(limit, lease_length, clock)
            if not ids:
                break
            lease = _Lease(token, ids, lease_length)
            ids = _drop_superseded(ids, token, clock)
            prepared = _prepare(_load(ids), ids)
            stopped = _send_batch(prepared, lease, sender, clock, report, marks, stop)
            marks.flush()
            # A short batch is no proof the rest is done (SKIP LOCKED passes over rows another
            # transaction holds a moment): the loop ends when a claim finds nothing.
            if stopped:
                break
    finally:
        marks.flush()
        sender.close(transports_too=own_transport)
    return report


def _send_batch(
    prepared: list,
    lease: _Lease,
    sender: _Sender,
    clock: _Clock,
    report: DispatchReport,
    marks: _SentMarks,
    stop: threading.Event | None,
) -> bool:
    """Send a claimed batch, up to `sender.width` mails at once but never two to one person at
    once (so theirs arrive in order), renewing the lease while any is under way. When `stop`
    is set, finish the mails in hand and hand back the rest. True when stopped."""
    waiting = list(prepared)
    in_flight: dict[Future, tuple[int, int, str]] = {}
    while waiting or in_flight:
        lease.renew_if_due()  # however the sends finish, the batch stays ours
        if stop and stop.is_set() and waiting:
            _release([reminder_id for reminder_id, _, _ in waiting], lease.token)
            waiting = []
        busy = {to for _, _, to in in_flight.values()}
        for item in list(waiting):
            if len(in_flight) >= sender.width:
                break
            reminder_id, attempts, message = item
            to = "" if isinstance(message, Exception) else str(message["To"])
            if to and to in busy:
                continue
            waiting.remove(item)
            if reminder_id not in lease.held:
                log.warning("reminder %s: lease lost before sending, not sent", reminder_id)
                continue
            if isinstance(message, Exception):
                _failed(reminder_id, attempts, message, lease, clock, report)
                continue
            in_flight[sender.submit(message)] = (reminder_id, attempts, to)
            busy.add(to)
        if not in_flight:
            continue
        done, _ = wait(in_flight, timeout=lease.every, return_when=FIRST_COMPLETED)
        if not done:
            lease.renew()  # a slow conversation: keep the batch ours meanwhile
            continue
        for future in done:
            reminder_id, attempts, _to = in_flight.pop(future)
            error = future.exception()
            if error is None:
                marks.add(reminder_id, lease.token)
            else:
                _failed(reminder_id, attempts, error, lease, clock, report)
    return bool(stop and stop.is_set())


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
        sent_at = datetime.now(UTC)
        for token, ids in self.pending.items():
            marked = _finish(
                ids, token, status=ReminderStatus.SENT, sent_at=sent_at, last_error=None
            )
            self.report.sent.extend(marked)
            for lost in sorted(set(ids) - set(marked)):
                # Our lease expired and another dispatcher took the row over: it marks it.
                log.warning("reminder %s sent but its lease had been taken over", lost)
        self.pending = {}


# A chase mail that a later one of its kind makes moot: when the scheduler was down for days,
# the interviewer hears once that their scorecard is still a draft, not once per day missed.
SUPERSEDED_KINDS = ("scorecard_followup",)


def _drop_superseded(ids: list[int], token: str, clock: _Clock) -> list[int]:
    """Withdraw claimed follow-ups whose session has a later follow-up already due (or sent);
    returns the ids still to send. One statement to find them, one to withdraw them."""
    now = clock.due_time(database_now())
    claimed = (
        select(Reminder.id, Reminder.session_id, Reminder.recipient_id, Reminder.due_at)
        .where(Reminder.id.in_(ids), Reminder.kind.in_(SUPERSEDED_KINDS))
        .subquery()
    )
    later = Reminder.__table__.alias("later")
    moot = (
        db.session.execute(
            select(claimed.c.id)
            .join(
                later,
                and_(
                    later.c.session_id == claimed.c.session_id,
                    later.c.recipient_id == claimed.c.recipient_id,
                ),
            )
            .where(
                later.c.kind.in_(SUPERSEDED_KINDS),
                later.c.due_at > claimed.c.due_at,
                later.c.due_at <= now,
                later.c.status.in_(
                    (ReminderStatus.PENDING, ReminderStatus.SENDING, ReminderStatus.SENT)
                ),
            )
            .distinct()
        )
        .scalars()
        .all()
    )
    if not moot:
        return ids
    withdrawn = _finish(
        list(moot),
        token,
        status=ReminderStatus.CANCELLED,
        last_error="Not sent: a later reminder about the same scorecard went instead.",
    )
    log.info("reminders %s withdrawn: a later follow-up supersedes them", withdrawn)
    return [i for i in ids if i not in set(withdrawn)]


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
    # Due order, not id order: one person's mails go one after another in this order.
    for reminder_id in sorted(ids, key=lambda i: (batch[i].due_at, i)):
        reminder = batch[reminder_id]
        try:
            message: Message | Exception = build_message(reminder, current_app.config)
        except Exception as error:  # noqa: BLE001  (a broken mail is retried, not fatal)
            message = error
        prepared.append((reminder_id, reminder.attempts, message))
    db.session.commit()
    return prepared


def _failed(
    reminder_id: int,
    attempts: int,
    error: BaseException,
    lease: _Lease,
    clock: _Clock,
    report: DispatchReport,
) -> None:
    """A mail that did not go: a permanent refusal (or the last attempt) fails it at once,
    saying why; anything else is retried after its backoff."""
    permanent, detail = describe_failure(error)
    if permanent or attempts >= MAX_ATTEMPTS:
        _finish([reminder_id], lease.token, status=ReminderStatus.FAILED, last_error=detail)
        report.failed.append(reminder_id)
        log.error("reminder %s failed after %s attempts: %s", reminder_id, attempts, detail)
        return
    retry_at = clock.due_time(database_now()) + BACKOFF[attempts - 1]
    _finish(
        [reminder_id],
        lease.token,
        status=ReminderStatus.PENDING,
        last_error=detail,
        retry_at=retry_at,
    )
    report.retrying.append(reminder_id)
    log.warning("reminder %s attempt %s failed, will retry: %s", reminder_id, attempts, detail)
