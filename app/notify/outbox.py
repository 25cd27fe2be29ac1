"""The outbox: reminders are rows written in the same transaction as the change that causes
them. `sync_loop_reminders` derives the reminders a loop should have from its current state
and reconciles the rows with it, so confirming, moving, submitting and cancelling all go
through one rule instead of hand-written special cases."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from ..extensions import db
from ..models import (
    Debrief,
    InterviewSession,
    Loop,
    LoopStatus,
    Opening,
    Reminder,
    ReminderStatus,
    SessionPanelist,
    User,
)
from ..storage.types import utcnow
from ..team import TeamPolicy, team_policy
from ..web.timefmt import zone

NAG_BEFORE_DEBRIEF = timedelta(minutes=30)
MERGE_WINDOW = timedelta(minutes=15)
DEBRIEF_SOON = timedelta(minutes=10)

# Reminders derived from a loop's state (reconciled); invitations and one-off mails are not.
DERIVED_KINDS = (
    "scorecard_due",
    "scorecard_nag",
    "ready_for_debrief",
    "debrief_soon",
    "scorecards_missing",
    "scorecard_followup",
    "scorecard_overdue",
)
WEEKEND = (5, 6)  # Saturday, Sunday


@dataclass(frozen=True)
class Wanted:
    kind: str
    slot: str
    recipient: User
    due_at: datetime
    session_id: int | None = None
    payload: dict[str, Any] | None = None


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def dedupe_key(slot: str, due_at: datetime, extra: str = "") -> str:
    """Unique per reminder and safe as the local part of a Message-ID."""
    return f"{slot}.{_stamp(due_at)}{extra}"


def debrief_attendees(loop: Loop) -> list[User]:
    """The panel (everyone with a current scorecard: leads, co-interviewers, shadows) and the
    opening's hiring manager, each once."""
    people: dict[int, User] = {}
    for session in loop.sessions:
        for card in session.scorecards:
            people.setdefault(card.interviewer_id, card.interviewer)
    manager = loop.opening.hiring_manager
    people.setdefault(manager.id, manager)
    return list(people.values())


@dataclass(frozen=True)
class Cadence:
    """How feedback reminders escalate after the due mail: the team's settings, each person's
    working day in their own zone (app/team)."""

    policy: TeamPolicy

    def _day_start(self, day: date, person: User) -> datetime:
        while day.weekday() in WEEKEND:
            day += timedelta(days=1)
        starts, _ends = self.policy.working_day_of(person)
        # Wall time in the zone: a working day starts at 09:00 there in summer and winter.
        return datetime.combine(day, starts, zone(person.time_zone)).astimezone(UTC)

    def working(self, moment: datetime, person: User) -> datetime:
        """`moment` if it falls in the person's working hours, else when they next begin."""
        local = moment.astimezone(zone(person.time_zone))
        starts, ends = self.policy.working_day_of(person)
        if local.weekday() not in WEEKEND and starts <= local.time() < ends:
            return moment
        day = local.date()
        if local.weekday() in WEEKEND or local.time() >= ends:
            day += timedelta(days=1)
        return self._day_start(day, person)

    def next_working_day(self, moment: datetime, person: User) -> datetime:
        """The start of the person's first working day after `moment`'s own day."""
        local = moment.astimezone(zone(person.time_zone))
        return self._day_start(local.date() + timedelta(days=1), person)


def _feedback_chase(
    session: InterviewSession,
    interviewer: User,
    cadence: Cadence,
    nag_at: datetime | None,
    cutoff: datetime,
) -> list[Wanted]:
    """The follow-ups after a draft's due mail, and the hiring manager's word once it is a day
    late; none due before `cutoff` (stale mail for a loop recorded after the fact)."""
    policy = cadence.policy
    base = f"s{session.id}.u{interviewer.id}"
    taken = [session.ends_at] + ([nag_at] if nag_at is not None else [])
    wanted = []
    moment = cadence.working(session.ends_at + policy.followup_after, interviewer)
    for number in range(1, policy.daily_reminders + 2):
        # A follow-up within a quarter of an hour of another mail to them is that mail.
        if moment >= cutoff and all(abs(moment - other) > MERGE_WINDOW for other in taken):
            wanted.append(
                Wanted(
                    "scorecard_followup",
                    f"follow{number}.{base}",
                    interviewer,
                    moment,
                    session.id,
                    {"number": number},
                )
            )
        moment = cadence.next_working_day(moment, interviewer)
    manager = session.loop.opening.hiring_manager
    late_at = cadence.working(session.ends_at + policy.tell_manager_after, manager)
    if late_at >= cutoff:
        wanted.append(
            Wanted(
                "scorecard_overdue",
                f"overdue.{base}.m{manager.id}",
                manager,
                late_at,
                session.id,
                {"interviewer": interviewer.name},
            )
        )
    return wanted


def wanted_reminders(loop: Loop, now: datetime | None = None) -> list[Wanted]:
    """What a loop should have pending right now, from its state and the time: a reminder
    about a debrief that has already begun ("starts in ten minutes", "is near") is stale
    and never wanted, as when a loop is confirmed as a record of the past."""
    debrief: Debrief | None = loop.debrief
    if loop.status != LoopStatus.CONFIRMED or debrief is None:
        return []
    now = now or utcnow()
    debrief_begun = debrief.starts_at <= now
    cadence = Cadence(team_policy())
    # A follow-up due before the loop was confirmed (a loop recorded after the fact) is
    # history, not news. Later ones stay wanted however late the dispatcher runs.
    cutoff = (loop.confirmed_at or now) - MERGE_WINDOW
    wanted: list[Wanted] = []
    cards = [card for s in loop.sessions for card in s.scorecards]
    missing: list[str] = []  # whose scorecards are still drafts
    for session in loop.sessions:
        for card in session.scorecards:
            if card.is_submitted:
                continue
            interviewer = card.interviewer
            if not card.training:
                missing.append(interviewer.name)
            base = f"s{session.id}.u{interviewer.id}"
            nag_at = debrief.starts_at - NAG_BEFORE_DEBRIEF
            # A nag within a quarter of an hour of the due mail becomes part of it: one mail.
            # So does a nag that would come first (a debrief pinned before the interview
            # ends): "the debrief is near" must never arrive before "your scorecard is due".
            merged = nag_at <= session.ends_at + MERGE_WINDOW or debrief_begun
            wanted.append(
                Wanted(
                    "scorecard_due",
                    f"due.{base}",
                    interviewer,
                    session.ends_at,
                    session.id,
                    {"with_nag": merged, "debrief_begun": debrief_begun},
                )
            )
            if not merged and not card.training:
                wanted.append(
                    Wanted("scorecard_nag", f"nag.{base}", interviewer, nag_at, session.id)
                )
            if not card.training:  # a shadow is not chased, nor is the manager told
                wanted += _feedback_chase(
                    session, interviewer, cadence, None if merged else nag_at, cutoff
                )
    if missing and not debrief_begun:
        # The decider hears which scorecards are still out while there is time to chase them
        # or move the debrief; the payload follows each submission until the mail goes.
        manager = loop.opening.hiring_manager
        wanted.append(
            Wanted(
                "scorecards_missing",
                f"missing.d{debrief.id}.u{manager.id}",
                manager,
                debrief.starts_at - NAG_BEFORE_DEBRIEF,
                payload={"missing": list(dict.fromkeys(missing))},
            )
        )
    if not debrief_begun:
        # Someone still interviewing at "starts soon" (a debrief pinned close to the last
        # interview) hears it as their interview ends, or not at all if the debrief has
        # begun by then: their due mail says so.
        busy_until: dict[int, datetime] = {}
        for session in loop.sessions:
            if session.starts_at < debrief.starts_at:
                for person in session.people:
                    held = busy_until.get(person.id, session.ends_at)
                    busy_until[person.id] = max(held, session.ends_at)
        for person in debrief_attendees(loop):
            soon_at = debrief.starts_at - DEBRIEF_SOON
            busy = busy_until.get(person.id)
            if busy is not None and busy > soon_at:
                soon_at = busy
            if soon_at >= debrief.starts_at:
                continue
            wanted.append(
                Wanted("debrief_soon", f"soon.d{debrief.id}.u{person.id}", person, soon_at)
            )
    counted = [card for card in cards if not card.training]  # a shadow's never holds it up
    if counted and all(card.is_submitted for card in counted):
        manager = loop.opening.hiring_manager
        last = max(card.submitted_at for card in counted)
        wanted.append(Wanted("ready_for_debrief", f"ready.l{loop.id}.u{manager.id}", manager, last))
    return wanted


def sync_loop_reminders(loop: Loop, resend_moved: bool = True) -> None:
    """Create, move or cancel the loop's derived reminders to match `wanted_reminders`.
    A reminder already sent whose time has moved is sent again (the interview moved: the
    news is new) unless `resend_moved` is False (the team's cadence changed: it is not).
    Flushes; the caller commits with the change that caused it."""
    rows = (
        db.session.execute(
            select(Reminder)
            .where(Reminder.loop_id == loop.id, Reminder.kind.in_(DERIVED_KINDS))
            .order_by(Reminder.id)
        )
        .scalars()
        .all()
    )
    latest: dict[str, Reminder] = {}
    last_sent: dict[str, Reminder] = {}
    for row in rows:
        latest[row.slot] = row  # ordered by id: the last one wins
        if row.status == ReminderStatus.SENT:
            last_sent[row.slot] = row
    wanted = {w.slot: _told_again(loop, w, last_sent.get(w.slot)) for w in wanted_reminders(loop)}
    for slot, want in wanted.items():
        row = latest.get(slot)
        told = last_sent.get(slot)
        if told is not None and told.due_at == want.due_at:
            # Sent for exactly this time already (moved away and back): once is enough.
            if row is not told and row.status in (ReminderStatus.PENDING, ReminderStatus.FAILED):
                row.status = ReminderStatus.CANCELLED
            continue
        if row is not None and row.status == ReminderStatus.SENT and not resend_moved:
            continue
        if row is None or (row.status == ReminderStatus.SENT and row.due_at != want.due_at):
            _insert(loop, want)
        elif row.status in (
            ReminderStatus.PENDING,
            ReminderStatus.FAILED,
            ReminderStatus.CANCELLED,
        ):
            if row.due_at != want.due_at or row.status != ReminderStatus.PENDING:
                _reset(row, want)
            row.payload = want.payload or {}
        # SENDING right now: nothing to do.
    for slot, row in latest.items():
        if slot not in wanted and row.status in (ReminderStatus.PENDING, ReminderStatus.FAILED):
            row.status = ReminderStatus.CANCELLED
    db.session.flush()


def _told_again(loop: Loop, want: Wanted, sent: Reminder | None) -> Wanted:
    """ "All scorecards are in" after the panel grew: the second mail names whose scorecards
    arrived since the first, so it reads as news rather than as the first one twice."""
    if want.kind != "ready_for_debrief" or sent is None or sent.due_at == want.due_at:
        return want
    newly_in = [
        card.interviewer.name
        for s in loop.sessions
        for card in s.scorecards
        if not card.training and card.is_submitted and card.submitted_at > sent.due_at
    ]
    return replace(want, payload={**(want.payload or {}), "newly_in": newly_in})


def _insert(loop: Loop, want: Wanted) -> None:
    key = dedupe_key(want.slot, want.due_at)
    taken = db.session.execute(select(Reminder.id).where(Reminder.dedupe_key == key)).first()
    if taken:  # moved back to a time it was already sent for: still a distinct reminder
        key = dedupe_key(want.slot, want.due_at, f".r{utcnow():%H%M%S%f}")
    db.session.add(
        Reminder(
            kind=want.kind,
            slot=want.slot,
            dedupe_key=key,
            recipient_id=want.recipient.id,
            recipient_email=want.recipient.email,
            loop_id=loop.id,
            session_id=want.session_id,
            due_at=want.due_at,
            payload=want.payload or {},
        )
    )


def _reset(row: Reminder, want: Wanted) -> None:
    row.due_at = want.due_at
    row.dedupe_key = dedupe_key(want.slot, want.due_at, f".v{row.id}")
    row.status = ReminderStatus.PENDING
    row.attempts = 0
    row.retry_at = None
    row.last_error = None
    row.lease_until = None
    row.lease_token = None


CALENDAR_CHANGES = ("invite", "update", "cancel")


def told_of_events(loop: Loop) -> set[tuple[int, int | None]]:
    """(person, session) pairs, session None for the debrief, whose invitation or update has
    gone out: the people a cancellation would tell (one statement)."""
    rows = db.session.execute(
        select(Reminder.recipient_id, Reminder.session_id, Reminder.kind).where(
            Reminder.loop_id == loop.id,
            Reminder.status.in_((ReminderStatus.SENDING, ReminderStatus.SENT)),
            Reminder.kind.in_(
                [f"{e}_{c}" for e in ("session", "debrief") for c in CALENDAR_CHANGES]
            ),
        )
    )
    return {
        (person, session_id if kind.startswith("session_") else None)
        for person, session_id, kind in rows
    }


def queue_calendar_mail(
    kind: str,
    recipient: User,
    key_tail: str,
    *,
    loop: Loop,
    session: InterviewSession | None = None,
    payload: dict[str, Any],
) -> Reminder | None:
    """An interview's or debrief's invitation, update or cancellation (`kind` such as
    "session_update"), replacing whatever of the same event this person has not been sent
    yet: each person hears an event's latest state once. Someone never told of the event
    gets an invitation rather than an update, and no cancellation at all."""
    event, _, change = kind.partition("_")
    same_event = [
        Reminder.loop_id == loop.id,
        Reminder.recipient_id == recipient.id,
        Reminder.kind.in_([f"{event}_{c}" for c in CALENDAR_CHANGES]),
    ]
    if session is not None:
        same_event.append(Reminder.session_id == session.id)
    # A guarded UPDATE: a row the dispatcher claimed meanwhile is left alone, and counts as told.
    db.session.execute(
        update(Reminder)
        .where(*same_event, Reminder.status.in_((ReminderStatus.PENDING, ReminderStatus.FAILED)))
        .values(status=ReminderStatus.CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    told = db.session.execute(
        select(Reminder.id)
        .where(*same_event, Reminder.status.in_((ReminderStatus.SENDING, ReminderStatus.SENT)))
        .limit(1)
    ).first()
    if told is None:
        if change == "cancel":
            return None
        kind = f"{event}_invite"
    key = f"{kind}.{key_tail}"
    if db.session.execute(select(Reminder.id).where(Reminder.dedupe_key == key)).first():
        key = f"{key}.r{utcnow():%H%M%S%f}"  # the same state announced again (left, rejoined)
    return queue_mail(kind, recipient, key, loop=loop, session=session, payload=payload)


def queue_mail(
    kind: str,
    recipient: User,
    key: str,
    *,
    loop: Loop | None = None,
    session: InterviewSession | None = None,
    payload: dict[str, Any] | None = None,
    due_at: datetime | None = None,
) -> Reminder:
    """A one-off mail (an invitation, an update, a decision), sent by the dispatcher."""
    due_at = due_at or utcnow()
    reminder = Reminder(
        kind=kind,
        slot=key,
        dedupe_key=key,
        recipient_id=recipient.id,
        recipient_email=recipient.email,
        loop_id=loop.id if loop else None,
        session_id=session.id if session else None,
        due_at=due_at,
        payload=payload or {},
    )
    db.session.add(reminder)
    return reminder


def cancel_loop_mail(loop: Loop) -> None:
    """Cancelling a loop cancels everything it still had to send."""
    for row in db.session.execute(
        select(Reminder).where(
            Reminder.loop_id == loop.id,
            Reminder.status.in_([ReminderStatus.PENDING, ReminderStatus.FAILED]),
        )
    ).scalars():
        row.status = ReminderStatus.CANCELLED
    db.session.flush()


def retry_by_hand(reminder: Reminder) -> None:
    """A coordinator retries a failed delivery: it goes out on the next dispatcher run."""
    if reminder.status != ReminderStatus.FAILED:
        raise ValueError("Only a failed delivery can be retried.")
    reminder.status = ReminderStatus.PENDING
    reminder.attempts = 0
    reminder.retry_at = None
    db.session.flush()


def needs_attention():
    """Deliveries a person should look at, as a WHERE clause: failed for good, or still
    pending after a failed attempt."""
    return or_(
        Reminder.status == ReminderStatus.FAILED,
        and_(Reminder.status == ReminderStatus.PENDING, Reminder.last_error.is_not(None)),
    )


def retry_now(reminder: Reminder) -> None:
    """An admin retries from the outbox: a failed delivery starts over; one waiting out its
    backoff goes on the next dispatcher run. The last error stays until a send replaces it."""
    if reminder.status == ReminderStatus.FAILED:
        retry_by_hand(reminder)
        return
    if reminder.status != ReminderStatus.PENDING or reminder.last_error is None:
        raise ValueError(
            "Only a failed delivery, or one waiting to be tried again, can be retried."
        )
    reminder.retry_at = None
    db.session.flush()


def troubled_count() -> int:
    """How many deliveries need a person's eye (one statement): the admin home page's count."""
    return db.session.execute(select(func.count(Reminder.id)).where(needs_attention())).scalar_one()


def sync_open_loops(person: User | None = None) -> int:
    """Re-derive the reminders of every confirmed loop (only `person`'s: those they interview
    in or decide), as after the team's cadence or someone's working day changed: unsent ones
    move, sent ones are never sent again. Returns how many loops."""
    statement = select(Loop).where(Loop.status == LoopStatus.CONFIRMED)
    if person is not None:
        theirs = select(InterviewSession.loop_id).where(
            or_(
                InterviewSession.interviewer_id == person.id,
                InterviewSession.id.in_(
                    select(SessionPanelist.session_id).where(SessionPanelist.user_id == person.id)
                ),
            )
        )
        decided = select(Opening.id).where(Opening.hiring_manager_id == person.id)
        statement = statement.where(or_(Loop.id.in_(theirs), Loop.opening_id.in_(decided)))
    count = 0
    for loop in db.session.execute(statement).scalars():
        sync_loop_reminders(loop, resend_moved=False)
        count += 1
    return count
