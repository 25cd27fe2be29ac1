"""Candidate erasure: remove a candidate's personal data, keep the anonymous counts.

What goes: their name (replaced by "Erased candidate #<id>"), email, time zone and working
hours, every text of every scorecard of their loops (stage notes, evidence, not-assessed
reasons, summaries, candidate questions, the script's structured and private answers such as
compensation), the texts kept in the audit trail about them (amendments' before/after,
reasons, decision rationales, coverage overrides: the events stay, with who, when and what),
the decision rationale, meeting links, the calendar invites stored with their mails, their
cached PDF packets and the mails about them in the Maildir.

What stays, as anonymous counts: the candidate row (so an opening still counts them), its
opening, status (`erased`), creation and activity times; loops with their status and sessions
(interviewer, time); scorecards' rating levels, "not assessed" flags and recommendations; the
debrief's decision and who made it; reminder rows (without payload) and audit events.

Open loops are cancelled: interviewers' calendars get a cancellation that now carries the
erased name, and nothing is sent about the candidate afterwards. Draft scorecards are retired,
so no autosave or amendment can write new text about an erased candidate.

`erase_candidate` changes the database and flushes (the caller commits); `purge_after_commit`
then removes what lives outside the database and makes the deletion real on disk: SQLite
overwrites deleted content (`secure_delete`, checked here) and the WAL is checkpointed and
truncated; PostgreSQL rewrites the touched tables with VACUUM FULL. The database server's own
write-ahead log and filesystem blocks freed by deleting files are beyond what an application
can scrub.
"""

from __future__ import annotations

import logging
import time as clock
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select, text
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..loops.planning import cancel_loop
from ..models import (
    AuditEvent,
    Candidate,
    CandidateStatus,
    Debrief,
    InterviewSession,
    Loop,
    LoopStatus,
    PacketRequest,
    Reminder,
    ReminderStatus,
    Scorecard,
    ScorecardStatus,
    User,
    record_audit,
)
from ..notify.transports import purge_maildir
from ..packets import store
from ..storage.types import utcnow

log = logging.getLogger(__name__)

ERASED_TEXT = "[erased]"
# Why an admin erases; a fixed list, so the audit event carries no free text about the person.
REASONS = {
    "candidate_request": "The candidate asked for their data to be erased",
    "no_longer_needed": "No longer needed for hiring",
    "entered_by_mistake": "Entered by mistake",
}
RETENTION_REASON = "retention"

# Audit detail keys whose values are never about the candidate (versions, ids, field names,
# times, interviewers): kept. Every other value of their events is replaced by ERASED_TEXT.
KEPT_DETAIL_KEYS = frozenset(
    {
        "version",
        "decision",
        "earlier_decision",
        "earlier_decided_by",
        "variant",
        "key",
        "via",
        "fields",
        "starts_at",
        "interviewer",
        "to",
        "notes",
    }
)
# Tables whose rows are "about" the candidate in the audit trail.
AUDITED_TABLES = ("candidates", "loops", "interview_sessions", "scorecards", "debriefs")
# Tables erasure rewrites (PostgreSQL: VACUUM FULL after).
TOUCHED_TABLES = (
    "candidates",
    "loops",
    "interview_sessions",
    "scorecards",
    "debriefs",
    "reminders",
    "packet_requests",
    "audit_events",
)
# How long the purge waits for a mail the dispatcher was sending at the moment of erasure.
IN_FLIGHT_WAIT = timedelta(seconds=30)


class ErasureError(RuntimeError):
    """Erasure cannot be made real (for example SQLite's secure_delete is off)."""


@dataclass
class Erased:
    """What `purge_after_commit` needs to know about one erased candidate."""

    candidate_id: int
    # Their former name and email: mails mentioning them are removed from the Maildir.
    needles: list[str]
    # Message-IDs (outbox keys) of every mail about their loops.
    message_keys: set[str]
    # Reminders the dispatcher held at the moment of erasure (their mail may be in flight).
    in_flight: list[int] = field(default_factory=list)


@dataclass
class PurgeReport:
    candidates: list[int] = field(default_factory=list)
    mails_removed: int = 0
    database: str = ""


def erased_name(candidate_id: int) -> str:
    return f"Erased candidate #{candidate_id}"


def name_matches(candidate: Candidate, typed: str) -> bool:
    """The confirmation: the name as shown, whatever the case and spacing."""
    return " ".join(typed.split()).casefold() == " ".join(candidate.name.split()).casefold()


def _scrub_details(details: dict[str, Any] | None) -> dict[str, Any]:
    scrubbed: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if key in KEPT_DETAIL_KEYS or value is None or isinstance(value, bool | int | float):
            scrubbed[key] = value
        elif isinstance(value, dict):  # before/after of an amendment: field names stay
            scrubbed[key] = {name: ERASED_TEXT for name in value}
        else:
            scrubbed[key] = ERASED_TEXT
    return scrubbed


def _scrub_ratings(ratings: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {
        key: {
            "level": rating.get("level"),
            "evidence": "",
            "not_assessed": bool(rating.get("not_assessed")),
            "reason": "",
        }
        for key, rating in (ratings or {}).items()
    }


def _require_secure_delete() -> None:
    if db.session.get_bind().dialect.name != "sqlite":
        return
    if db.session.execute(text("PRAGMA secure_delete")).scalar() != 1:
        raise ErasureError("SQLite's secure_delete is off: erased text would stay in the file.")


def erase_candidate(
    actor: User | None, candidate: Candidate, reason: str, now: datetime | None = None
) -> Erased:
    """Erase the candidate's personal data in the database. Flushes; the caller commits, then
    calls `purge_after_commit` with what this returns."""
    if candidate.is_erased:
        raise ErasureError(f"Candidate {candidate.id} is already erased.")
    now = now or utcnow()
    _require_secure_delete()
    erased = Erased(candidate.id, [candidate.name, candidate.email], set())

    loop_ids = list(
        db.session.execute(select(Loop.id).where(Loop.candidate_id == candidate.id)).scalars()
    )
    session_ids = list(
        db.session.execute(
            select(InterviewSession.id).where(InterviewSession.loop_id.in_(loop_ids))
        ).scalars()
    )

    candidate.name = erased_name(candidate.id)
    candidate.email = ""
    candidate.time_zone = "UTC"
    candidate.working_hours_start = time(9, 0)
    candidate.working_hours_end = time(17, 0)
    candidate.status = CandidateStatus.ERASED
    candidate.erased_at = now

    # Every scorecard of their sessions, the retired ones kept by reassigned interviewers too.
    for card in db.session.execute(
        select(Scorecard).where(Scorecard.session_id.in_(session_ids))
    ).scalars():
        card.stage_notes = {}
        card.ratings = _scrub_ratings(card.ratings)
        card.candidate_questions = ""
        card.asked_answers = {}
        card.owed_answers = ""
        card.field_answers = {}
        card.summary = ""
        card.version += 1  # an autosave started before the erasure now conflicts
        if card.status == ScorecardStatus.DRAFT and card.retired_at is None:
            card.retired_at = now  # nobody writes about an erased candidate again
    for session in db.session.execute(
        select(InterviewSession).where(InterviewSession.id.in_(session_ids))
    ).scalars():
        session.meeting_url = ""
    for debrief in db.session.execute(
        select(Debrief).where(Debrief.loop_id.in_(loop_ids))
    ).scalars():
        if debrief.rationale is not None:
            debrief.rationale = ""  # the decision stays; the constraint wants a rationale
        if debrief.override_reason is not None:
            debrief.override_reason = ERASED_TEXT
        if debrief.waiver_reason is not None:
            debrief.waiver_reason = ERASED_TEXT
        for verdict in debrief.verdicts:
            if verdict.why:
                verdict.why = ERASED_TEXT
    for loop in db.session.execute(select(Loop).where(Loop.id.in_(loop_ids))).scalars():
        if loop.coverage_override_reason is not None:
            loop.coverage_override_reason = ERASED_TEXT

    # Their mail: stored invites carry the name. Whatever was still to go is cancelled.
    for reminder in db.session.execute(
        select(Reminder).where(Reminder.loop_id.in_(loop_ids))
    ).scalars():
        erased.message_keys.add(reminder.dedupe_key)
        reminder.payload = {}
        reminder.last_error = None
        if reminder.status in (ReminderStatus.PENDING, ReminderStatus.FAILED):
            reminder.status = ReminderStatus.CANCELLED
        elif reminder.status == ReminderStatus.SENDING:
            erased.in_flight.append(reminder.id)
    db.session.execute(delete(PacketRequest).where(PacketRequest.loop_id.in_(loop_ids)))

    # The audit trail keeps who did what when, not what was written about them.
    ids_by_table = {
        "candidates": [candidate.id],
        "loops": loop_ids,
        "interview_sessions": session_ids,
        "scorecards": list(
            db.session.execute(
                select(Scorecard.id).where(Scorecard.session_id.in_(session_ids))
            ).scalars()
        ),
        "debriefs": list(
            db.session.execute(select(Debrief.id).where(Debrief.loop_id.in_(loop_ids))).scalars()
        ),
    }
    about = or_(
        *(
            and_(AuditEvent.object_type == table, AuditEvent.object_id.in_(ids))
            for table, ids in ids_by_table.items()
            if ids
        )
    )
    for event in db.session.execute(select(AuditEvent).where(about)).scalars():
        event.details = _scrub_details(event.details)
    db.session.flush()

    # Open loops end: the cancellations go out with the erased name.
    for loop in db.session.execute(
        select(Loop).where(
            Loop.id.in_(loop_ids), Loop.status.in_([LoopStatus.PLANNING, LoopStatus.CONFIRMED])
        )
    ).scalars():
        cancel_loop(loop, actor)
    record_audit(actor, "candidate.erased", candidate, reason=reason)
    db.session.flush()
    return erased


def purge_after_commit(erased: list[Erased]) -> PurgeReport:
    """After the erasure is committed: mail in flight, packets, Maildir, and the database files.
    Needs an app context; commits."""
    report = PurgeReport(candidates=[e.candidate_id for e in erased])
    if not erased:
        return report
    _settle_in_flight([i for e in erased for i in e.in_flight])
    for item in erased:
        store.delete_candidate(item.candidate_id)
    maildir = current_app.config.get("MAILDIR")
    if maildir and Path(maildir).is_dir():
        report.mails_removed = purge_maildir(
            maildir,
            message_keys={k for e in erased for k in e.message_keys},
            needles=[n for e in erased for n in e.needles if n],
        )
    report.database = compact_database(TOUCHED_TABLES)
    return report


def _settle_in_flight(reminder_ids: list[int]) -> None:
    """Wait (bounded) for mails the dispatcher was sending to land, so the Maildir purge that
    follows finds them; then make sure none of them goes out again."""
    if not reminder_ids:
        return
    deadline = clock.monotonic() + IN_FLIGHT_WAIT.total_seconds()
    while clock.monotonic() < deadline:
        sending = db.session.execute(
            select(Reminder.id).where(
                Reminder.id.in_(reminder_ids), Reminder.status == ReminderStatus.SENDING
            )
        ).first()
        db.session.commit()
        if sending is None:
            break
        clock.sleep(0.2)
    for reminder in db.session.execute(
        select(Reminder).where(Reminder.id.in_(reminder_ids))
    ).scalars():
        reminder.payload = {}
        if reminder.status in (
            ReminderStatus.PENDING,
            ReminderStatus.FAILED,
            ReminderStatus.SENDING,
        ):
            reminder.status = ReminderStatus.CANCELLED
            reminder.lease_until = reminder.lease_token = None
    db.session.commit()


def compact_database(tables: tuple[str, ...] = TOUCHED_TABLES) -> str:
    """Make deleted and overwritten rows unreadable in the database's files; says what it did."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        # secure_delete zeroed the old content in the pages; the WAL still holds the old pages
        # until they are checkpointed into the main file and the log is truncated.
        # A checkpoint cannot run inside a transaction: use the DBAPI connection directly
        # (autocommit: the connect hook hands transaction control to us).
        connection = engine.raw_connection()
        try:
            for _attempt in range(20):
                cursor = connection.cursor()
                busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                cursor.close()
                if not busy:
                    return "sqlite: WAL checkpointed and truncated"
                clock.sleep(0.25)
        finally:
            connection.close()
        log.warning("erasure: the SQLite WAL stayed busy; it is truncated at the next checkpoint")
        return "sqlite: WAL busy, checkpoint left to SQLite"
    if engine.dialect.name == "postgresql":
        # Plain VACUUM leaves dead tuples' bytes in free space; FULL rewrites the table files.
        # A VACUUM FULL waiting for its lock queues every other query on the table behind it:
        # wait a bounded time, and name a table still busy (the log says to vacuum it by hand).
        done, skipped = [], []
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            still_seeing = _wait_for_older_snapshots(connection)
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            try:
                for index, table in enumerate(tables):
                    try:
                        connection.exec_driver_sql(f"VACUUM (FULL) {table}")  # our table names
                    except OperationalError as error:
                        if error.connection_invalidated:  # the server went away: stop here
                            skipped.extend(tables[index:])
                            break
                        skipped.append(table)  # its lock wait timed out
                    else:
                        done.append(table)
            finally:
                # A session setting outlives the checkout (the pool's reset is a ROLLBACK):
                # whoever gets this connection next waits for locks as the server says. A
                # dropped connection took its settings with it, and takes no statement.
                if not connection.invalidated:
                    connection.exec_driver_sql("RESET lock_timeout")
        if still_seeing:
            log.warning(
                "erasure: transactions %s began before the erasure and still ran: the rewritten "
                "tables may keep the erased rows; run VACUUM FULL on them once those end",
                ", ".join(still_seeing),
            )
        if skipped:
            log.warning(
                "erasure: tables busy (or the server gone), not rewritten: %s; "
                "run VACUUM FULL on them",
                ", ".join(skipped),
            )
            return f"postgresql: VACUUM FULL {', '.join(done)}; busy, not yet: {', '.join(skipped)}"
        if still_seeing:
            return "postgresql: VACUUM FULL " + ", ".join(done) + "; older snapshots still open"
        return "postgresql: VACUUM FULL " + ", ".join(done)
    return f"{engine.dialect.name}: nothing to compact"


# Transactions of this database that hold a snapshot taken before `:since`. VACUUM FULL
# copies every row such a snapshot can still see, erased ones included, into the new files.
# A plain autovacuum holds no snapshot that counts (the server ignores it); its ANALYZE does.
_OLDER_SNAPSHOTS = text(
    "SELECT pid FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_xmin IS NOT NULL AND xact_start < :since "
    "AND NOT (backend_type = 'autovacuum worker' AND query NOT LIKE '%ANALYZE%')"
)


def _wait_for_older_snapshots(connection) -> list[str]:
    """Wait (a bounded time) until no transaction that began before the erasure committed
    still runs; the pids of those still running when the wait is up."""
    since = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
    deadline = clock.monotonic() + float(current_app.config["ERASURE_SNAPSHOT_WAIT_SECONDS"])
    while True:
        pids = [
            str(pid) for pid in connection.execute(_OLDER_SNAPSHOTS, {"since": since}).scalars()
        ]
        if not pids or clock.monotonic() >= deadline:
            return pids
        clock.sleep(0.1)


# ---- Retention ----


def inactive_candidates(months: int, now: datetime | None = None) -> list[Candidate]:
    """Candidates not erased yet with no activity for `months` months (30-day months): neither
    on the candidate itself (`last_activity_at`, `created_at`) nor on their loops (created,
    an interview, a scorecard saved, a debrief)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=30 * months)
    candidate_loops = select(Loop.id).where(Loop.candidate_id == Candidate.id)
    recent_loop = exists().where(
        Loop.candidate_id == Candidate.id,
        or_(Loop.created_at >= cutoff, Loop.confirmed_at >= cutoff),
    )
    recent_session = exists().where(
        InterviewSession.loop_id.in_(candidate_loops), InterviewSession.ends_at >= cutoff
    )
    recent_card = exists().where(
        Scorecard.session_id.in_(
            select(InterviewSession.id).where(InterviewSession.loop_id.in_(candidate_loops))
        ),
        Scorecard.updated_at >= cutoff,
    )
    recent_debrief = exists().where(
        Debrief.loop_id.in_(candidate_loops),
        or_(Debrief.starts_at >= cutoff, Debrief.decided_at >= cutoff),
    )
    return list(
        db.session.execute(
            select(Candidate)
            .where(
                Candidate.status != CandidateStatus.ERASED,
                Candidate.last_activity_at < cutoff,
                Candidate.created_at < cutoff,
                ~recent_loop,
                ~recent_session,
                ~recent_card,
                ~recent_debrief,
            )
            .order_by(Candidate.id)
        ).scalars()
    )


def erase_inactive(months: int, now: datetime | None = None) -> PurgeReport:
    """The retention rule: erase every candidate inactive for `months` months (0: off), one
    commit per candidate, then purge once. Needs an app context; commits."""
    if months <= 0:
        return PurgeReport(database="retention off")
    now = now or utcnow()
    erased = []
    for candidate in inactive_candidates(months, now):
        erased.append(erase_candidate(None, candidate, RETENTION_REASON, now))
        db.session.commit()
    if erased:
        log.info("retention: erased %s candidates inactive for %s months", len(erased), months)
    return purge_after_commit(erased)
